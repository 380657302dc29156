#!/bin/bash
# The pod-template-hash oracle: upstream's own code computing ComputeHash, to check
# src/controllers/runtime/podtemplate-hash.ts against. It builds, in a GOPATH, k8s.io/api core/v1
# and the apimachinery packages it uses (declarations only, as in the given release; resource and
# intstr whole but for their CBOR and fuzz functions) with go-spew 1.1.1, then reads JSON lines
# {"template":…,"collisionCount":n|null} on stdin and writes {"dump":…,"sum":…} lines.
# Needs Go (Debian: golang-go golang-github-davecgh-go-spew-dev golang-gopkg-inf.v0-dev) and git
# clones of kubernetes/api and kubernetes/apimachinery.
#
# usage: API_GIT=path/to/api/.git MACH_GIT=path/to/apimachinery/.git scripts/podtemplate-hash-oracle/run.sh kubernetes-1.33.0 < cases.jsonl
set -euo pipefail
TAG=${1:?release tag, e.g. kubernetes-1.33.0}
HERE=$(cd "$(dirname "$0")" && pwd)
W=${WORKDIR:-$(mktemp -d)}
O=$W/gopath
A=${API_GIT:?}; M=${MACH_GIT:?}
export GO111MODULE=off GOPATH=$O:/usr/share/gocode GOFLAGS= GOCACHE=${GOCACHE:-$W/cache}
mkdir -p $W/bin
(cd "$HERE/strip" && GO111MODULE=on GOPATH=$W/modpath go build -o $W/bin/strip main.go)
S=$W/bin/strip
rm -rf $O; mkdir -p $O/src/k8s.io/api/core/v1 $O/src/k8s.io/apimachinery/pkg/apis/meta/v1 $O/src/k8s.io/apimachinery/pkg/api/resource $O/src/k8s.io/apimachinery/pkg/util/intstr $O/src/k8s.io/apimachinery/pkg/types $O/src/hashcheck
tmp=$(mktemp -d)
ALLOW="k8s.io/apimachinery/pkg/apis/meta/v1,k8s.io/apimachinery/pkg/api/resource,k8s.io/apimachinery/pkg/util/intstr,k8s.io/apimachinery/pkg/types,time"
git -C $A show $TAG:core/v1/types.go > $tmp/t.go
$S -types-only -allow=$ALLOW -drop=List,RangeAllocation $tmp/t.go > $O/src/k8s.io/api/core/v1/types.go
for f in types.go time.go micro_time.go; do
  git -C $M show $TAG:pkg/apis/meta/v1/$f > $tmp/t.go 2>/dev/null || continue
  $S -types-only -allow=$ALLOW $tmp/t.go > $O/src/k8s.io/apimachinery/pkg/apis/meta/v1/$f
done
git -C $M show $TAG:pkg/types/uid.go > $O/src/k8s.io/apimachinery/pkg/types/uid.go
RALLOW="sync,bytes,errors,fmt,math,math/big,strconv,strings,gopkg.in/inf.v0,k8s.io/apimachinery/pkg/api/resource,sort"
for f in amount.go math.go quantity.go scale_int.go suffix.go; do
  git -C $M show $TAG:pkg/api/resource/$f > $tmp/t.go 2>/dev/null || continue
  $S -allow=$RALLOW $tmp/t.go > $O/src/k8s.io/apimachinery/pkg/api/resource/$f
done
git -C $M show $TAG:pkg/util/intstr/intstr.go > $tmp/t.go
$S -allow="encoding/json,fmt,strconv" -drop=Fuzz,MarshalCBOR,UnmarshalCBOR $tmp/t.go > $O/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go
cp "$HERE/hashcheck/main.go" $O/src/hashcheck/main.go
rm -rf $tmp
(cd $O/src && go build -o $W/bin/hashcheck ./hashcheck)
exec $W/bin/hashcheck
