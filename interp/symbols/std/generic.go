package std

import (
	"crypto/hkdf"
	"crypto/pbkdf2"
	"hash"
	"hash/maphash"
	"reflect"
)

// Instances are generic functions of compiled packages given to cells as
// one instance, which serves every call a cell makes of them: those whose
// type parameter is a hash constructor (sha256.New is a func() hash.Hash),
// and maphash's Comparable, whose hashes are of values of any comparable
// type (consistent among cells' calls). They are added to the tables.
var Instances = map[string]map[string]reflect.Value{
	"crypto/hkdf/hkdf": {
		"Extract": reflect.ValueOf(hkdf.Extract[hash.Hash]),
		"Expand":  reflect.ValueOf(hkdf.Expand[hash.Hash]),
		"Key":     reflect.ValueOf(hkdf.Key[hash.Hash]),
	},
	"crypto/pbkdf2/pbkdf2": {
		"Key": reflect.ValueOf(pbkdf2.Key[hash.Hash]),
	},
	"hash/maphash/maphash": {
		"Comparable":      reflect.ValueOf(maphash.Comparable[any]),
		"WriteComparable": reflect.ValueOf(maphash.WriteComparable[any]),
	},
}

// Unsupported are the generic functions and types of compiled packages
// that cells cannot use, by "path.Name", with what to use instead: yaegi's
// symbol tables cannot hold generic code, and these need more than
// gopar's Go-source versions can give (package interp/gostd).
var Unsupported = map[string]string{
	"database/sql.Null":   "use the non-generic sql.NullString, sql.NullInt64, sql.NullFloat64, sql.NullBool, sql.NullTime…",
	"runtime.AddCleanup":  "use runtime.SetFinalizer",
	"sync/atomic.Pointer": "use atomic.Value, or a pointer guarded by a sync.Mutex",
	"unique.Handle":       "unique needs the runtime's support for generic code: compare the values themselves, or intern them in a map",
	"unique.Make":         "unique needs the runtime's support for generic code: compare the values themselves, or intern them in a map",
	"weak.Pointer":        "weak pointers need the runtime's support for generic code: keep an ordinary pointer, or use runtime.SetFinalizer",
	"weak.Make":           "weak pointers need the runtime's support for generic code: keep an ordinary pointer, or use runtime.SetFinalizer",
}
