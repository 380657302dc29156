// hashcheck: reads JSON lines {"template":..., "collisionCount":n|null}, prints spew dump and ComputeHash.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"reflect"

	"github.com/davecgh/go-spew/spew"
	v1 "k8s.io/api/core/v1"
)

var cfg = &spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true, DisablePointerAddresses: true, DisableCapacities: true}

// protobuf decoding leaves empty slices and maps nil
func nilEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Ptr, reflect.Interface:
		if !v.IsNil() {
			nilEmpty(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				nilEmpty(v.Field(i))
			}
		}
	case reflect.Slice:
		if !v.IsNil() && v.Len() == 0 && v.CanSet() {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for i := 0; i < v.Len(); i++ {
			nilEmpty(v.Index(i))
		}
	case reflect.Map:
		if !v.IsNil() && v.Len() == 0 && v.CanSet() {
			v.Set(reflect.Zero(v.Type()))
		}
	}
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var in struct {
			Template       json.RawMessage `json:"template"`
			CollisionCount *int32          `json:"collisionCount"`
		}
		if err := json.Unmarshal(sc.Bytes(), &in); err != nil {
			panic(err)
		}
		var t v1.PodTemplateSpec
		if err := json.Unmarshal(in.Template, &t); err != nil {
			panic(err)
		}
		// the API server decodes and re-encodes (quantities canonical), the controller decodes
		b, err := json.Marshal(t)
		if err != nil {
			panic(err)
		}
		t = v1.PodTemplateSpec{}
		if err := json.Unmarshal(b, &t); err != nil {
			panic(err)
		}
		nilEmpty(reflect.ValueOf(&t).Elem())
		s := cfg.Sprintf("%#v", t)
		h := fnv.New32a()
		h.Write([]byte(s))
		if in.CollisionCount != nil {
			b := make([]byte, 8)
			binary.LittleEndian.PutUint32(b, uint32(*in.CollisionCount))
			h.Write(b)
		}
		out, _ := json.Marshal(map[string]interface{}{"dump": s, "sum": fmt.Sprint(h.Sum32())})
		fmt.Println(string(out))
	}
}
