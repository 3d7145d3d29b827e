package imageset

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// Cache keeps decoded splits for the life of a plugin process, keyed by the
// files they came from (path, size and modification time), so that several
// runs served by one process decode each file once and a changed file is
// decoded again. A Cache is safe for concurrent use; loads of the same key
// wait for each other.
type Cache struct {
	mu      sync.Mutex
	entries map[string]Source
}

// Get returns the Source cached for files and tag (what else the decoding
// depends on, "" if nothing), or calls load and caches its result. Errors
// are not cached.
func (c *Cache) Get(files []string, tag string, load func() (Source, error)) (Source, error) {
	key, err := fileKey(files)
	if err != nil {
		return nil, err
	}
	key += tag
	c.mu.Lock()
	defer c.mu.Unlock()
	if src, ok := c.entries[key]; ok {
		return src, nil
	}
	src, err := load()
	if err != nil {
		return nil, err
	}
	if c.entries == nil {
		c.entries = map[string]Source{}
	}
	c.entries[key] = src
	return src, nil
}

func fileKey(files []string) (string, error) {
	var b strings.Builder
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("stat %s: %w", f, FileError(err))
		}
		fmt.Fprintf(&b, "%s|%d|%d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	return b.String(), nil
}
