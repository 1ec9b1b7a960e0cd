// Package atomicfile replaces files atomically: a reader of the path, or a
// program running from it, sees the old file or the new one, never a part.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write creates or replaces the file at path with what write writes. It
// writes a temporary file in path's directory, gives it mode perm (exactly:
// the umask does not apply), syncs it and renames it over path. Until the
// rename, path keeps its old content; a file that was open or running stays
// intact, since path then names a new file.
//
// If write or any step fails, path is unchanged and the temporary file is
// removed; the error is write's or the failing step's. The writer given to
// write is an *os.File, so io.Copy into it can use the system's fast paths.
func Write(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// WriteFile is Write for a file whose content is data, in the manner of
// os.WriteFile.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
