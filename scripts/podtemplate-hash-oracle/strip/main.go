// strip: keeps a Go file's declarations that reference only allowed imports.
// usage: strip -types-only=bool -allow=pkg1,pkg2 in.go > out.go
package main

import (
	"flag"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
)

func main() {
	typesOnly := flag.Bool("types-only", false, "")
	allow := flag.String("allow", "", "")
	drop := flag.String("drop", "", "func names to drop")
	flag.Parse()
	allowed := map[string]bool{}
	for _, a := range strings.Split(*allow, ",") {
		allowed[a] = true
	}
	dropped := map[string]bool{}
	for _, a := range strings.Split(*drop, ",") {
		dropped[a] = true
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, flag.Arg(0), nil, 0)
	if err != nil {
		panic(err)
	}
	names := map[string]string{} // local name -> path
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		n := p[strings.LastIndex(p, "/")+1:]
		if strings.HasPrefix(n, "inf.") {
			n = "inf"
		}
		if im.Name != nil {
			n = im.Name.Name
		}
		names[n] = p
	}
	refs := func(n ast.Node) map[string]bool {
		out := map[string]bool{}
		ast.Inspect(n, func(x ast.Node) bool {
			if s, ok := x.(*ast.SelectorExpr); ok {
				if id, ok := s.X.(*ast.Ident); ok {
					if p, ok := names[id.Name]; ok {
						out[p] = true
					}
				}
			}
			return true
		})
		return out
	}
	var decls []ast.Decl
	used := map[string]bool{}
	droppedTypes := map[string]bool{}
	localRefs := func(n ast.Node) bool {
		bad := false
		ast.Inspect(n, func(x ast.Node) bool {
			if s, ok := x.(*ast.SelectorExpr); ok {
				_ = s
				return false
			}
			if id, ok := x.(*ast.Ident); ok && droppedTypes[id.Name] {
				bad = true
			}
			return true
		})
		return bad
	}
	typeName := func(d ast.Decl) string {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE && len(g.Specs) == 1 {
			return g.Specs[0].(*ast.TypeSpec).Name.Name
		}
		return ""
	}
	for pass := 0; pass < 6; pass++ {
	decls = nil
	used = map[string]bool{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		if *typesOnly {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
		}
		if fd, ok := d.(*ast.FuncDecl); ok && dropped[fd.Name.Name] {
			continue
		}
		if n := typeName(d); n != "" && dropped[n] {
			droppedTypes[n] = true
			continue
		}
		r := refs(d)
		okd := true
		for p := range r {
			if !allowed[p] {
				okd = false
			}
		}
		if !okd || localRefs(d) {
			if n := typeName(d); n != "" {
				droppedTypes[n] = true
			}
			continue
		}
		for p := range r {
			used[p] = true
		}
		decls = append(decls, d)
	}
	}
	imp := &ast.GenDecl{Tok: token.IMPORT, Lparen: 1}
	for n, p := range names {
		if used[p] {
			imp.Specs = append(imp.Specs, &ast.ImportSpec{Name: ast.NewIdent(n), Path: &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(p)}})
		}
	}
	nf := &ast.File{Name: f.Name}
	if len(imp.Specs) > 0 {
		nf.Decls = append(nf.Decls, imp)
	}
	nf.Decls = append(nf.Decls, decls...)
	format.Node(os.Stdout, token.NewFileSet(), nf)
}
