// Package atomicfile replaces files atomically: a reader of the path, or a
// program running from it, sees the old file or the new one, never a part.
//
// Write gives the file a mode of the caller's choosing, for files a program
// owns (an installed executable, a kernelspec). Replace saves a file the way
// an editor does, keeping what the user set up for it: the links to it, its
// mode, its owner; Check tells beforehand whether Replace could write it.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
func Write(path string, perm os.FileMode, write func(w io.Writer) error) error {
	dir, base := split(path)
	return commit(path, dir, base, 0o600, write, func(f *os.File) error { return f.Chmod(perm) })
}

// WriteFile is Write for a file whose content is data, in the manner of
// os.WriteFile.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, writeData(data))
}

// Replace creates or replaces the file at path with what write writes,
// atomically as Write does, but keeping what the user set up for the file,
// as an editor saving it does:
//
//   - When path is a symbolic link, or a chain of them, the file at the end
//     of the chain is replaced and the links stay. A link to nothing creates
//     the file it names.
//   - A file that exists keeps its permission bits and, on Unix, its owner
//     and group as far as the system lets this process give them. (Other
//     names of it, hard links, keep the old content: the new file is a new
//     inode.)
//   - A new file gets mode 0666 less the umask (or as the directory's
//     default ACL says), as os.Create gives it.
//
// Replace refuses, without calling write, a path that leads to anything but
// a regular file (a directory, a device, a pipe), or to a file that this
// process may not write: a file made read-only stays as it is. Those errors,
// and a directory that cannot take a new file, are *fs.PathError values with
// Op "write" and the path as given; Check describes them.
func Replace(path string, write func(w io.Writer) error) error {
	target, old, err := resolve(path)
	if err != nil {
		return err
	}
	dir, base := split(target)
	if old == nil {
		return commit(path, dir, base, 0o666, write, nil)
	}
	return commit(path, dir, base, 0o600, write, func(f *os.File) error {
		keepOwner(f, old)
		// After chown, which may clear the set-id bits.
		return f.Chmod(old.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky))
	})
}

// ReplaceFile is Replace for a file whose content is data.
func ReplaceFile(path string, data []byte) error {
	return Replace(path, writeData(data))
}

// Check tells whether Replace could write path now, without changing it: it
// follows path's links as Replace does, checks what is at the end, and
// creates and removes a temporary file beside it. A program that writes its
// results after long work calls Check first, to fail at once.
//
// The error is an *fs.PathError with Op "write", the path as given and, as
// Err, why: the system's error (fs.ErrPermission for a file or directory
// that this process may not write, syscall.EROFS for a read-only file
// system, …), prefixed with "directory DIR: " when the trouble is the
// directory, not the file; or a *KindError for a path that leads to
// something other than a regular file.
func Check(path string) error {
	target, _, err := resolve(path)
	if err != nil {
		return err
	}
	dir, base := split(target)
	f, err := createTemp(dir, base, 0o600)
	if err != nil {
		return dirError(path, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// A KindError is Replace's or Check's refusal of a path that leads to
// something other than a regular file.
type KindError struct {
	// Mode is the type of what is there (fs.ModeDir, fs.ModeDevice, …).
	Mode fs.FileMode
}

func (e *KindError) Error() string {
	switch {
	case e.Mode.IsDir():
		return "is a directory"
	case e.Mode&fs.ModeNamedPipe != 0:
		return "is a named pipe, not a regular file"
	case e.Mode&fs.ModeSocket != 0:
		return "is a socket, not a regular file"
	case e.Mode&fs.ModeDevice != 0:
		return "is a device, not a regular file"
	}
	return "is not a regular file"
}

// Target returns the file that Replace writes for path: path, after the
// symbolic links at its end (not those of its directories, which the system
// follows anyway). A link's relative target is taken from the link's
// directory, as the system does.
func Target(path string) (string, error) {
	for range 255 {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			// Not filepath.Join, which would take "dir/.." as "." where
			// the system follows dir's own link first.
			dir, _ := split(path)
			link = join(dir, link)
		}
		path = link
	}
	return "", &fs.PathError{Op: "readlink", Path: path, Err: errors.New("too many levels of symbolic links")}
}

// resolve follows path's links, and returns the file that Replace writes,
// what is there now (nil when nothing), or the reason it cannot be written.
func resolve(path string) (target string, old fs.FileInfo, err error) {
	target, err = Target(path)
	if err != nil {
		return "", nil, writeError(path, err)
	}
	old, err = os.Lstat(target)
	if errors.Is(err, fs.ErrNotExist) {
		return target, nil, nil
	}
	if err != nil {
		if dir, _ := split(target); errors.Is(err, fs.ErrPermission) {
			return "", nil, dirError(path, dir, err)
		}
		return "", nil, writeError(path, err)
	}
	if !old.Mode().IsRegular() {
		return "", nil, &fs.PathError{Op: "write", Path: path, Err: &KindError{Mode: old.Mode().Type()}}
	}
	// May this process write it? Opening it for writing, without O_TRUNC,
	// asks the system, which knows of ACLs, read-only mounts and root.
	f, err := os.OpenFile(target, os.O_WRONLY, 0)
	if err != nil {
		return "", nil, writeError(path, err)
	}
	f.Close()
	return target, old, nil
}

// writeError is the *fs.PathError of Op "write" for path whose cause is
// err, without the name of the file the system call was about.
func writeError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: "write", Path: path, Err: err}
}

// dirError is writeError for a cause that lies with the directory dir.
func dirError(path, dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: "write", Path: path, Err: fmt.Errorf("directory %s: %w", dir, err)}
}

// commit writes a temporary file in dir, created with mode perm (less the
// umask), with write, then finish (if not nil) on it, syncs it and renames
// it to dir/base. On failure it removes the temporary file. An error
// creating it is a dirError for path.
func commit(path, dir, base string, perm os.FileMode, write func(io.Writer) error, finish func(*os.File) error) (err error) {
	f, err := createTemp(dir, base, perm)
	if err != nil {
		return dirError(path, dir, err)
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
	if finish != nil {
		if err := finish(f); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, join(dir, base))
}

// createTemp creates a new file ".BASE.RANDOM" in dir with mode perm less
// the umask (os.CreateTemp always uses 0600).
func createTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	for range 10000 {
		name := join(dir, "."+base+"."+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, &fs.PathError{Op: "createtemp", Path: join(dir, "."+base+".*"), Err: fs.ErrExist}
}

// split splits path after its last separator, into its directory ("." for
// none; the separator itself for a file in the root) and its last element.
// Unlike filepath.Split and filepath.Dir it does not clean the directory,
// whose ".." the system must resolve after following links.
func split(path string) (dir, base string) {
	i := len(path) - 1
	for i >= 0 && !os.IsPathSeparator(path[i]) {
		i--
	}
	switch {
	case i < 0:
		return ".", path
	case i == 0 || strings.TrimRight(path[:i], string(os.PathSeparator)) == "":
		return path[:i+1], path[i+1:]
	}
	return path[:i], path[i+1:]
}

// join is dir and name with a separator between them (filepath.Join
// cleans; see split).
func join(dir, name string) string {
	if dir != "" && os.IsPathSeparator(dir[len(dir)-1]) {
		return dir + name
	}
	return dir + string(os.PathSeparator) + name
}

func writeData(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}
