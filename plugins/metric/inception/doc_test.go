package inception

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the tensor table in docs/inception.md")

const docPath = "../../../docs/inception.md"

// docTable renders the convolutions and their weight shapes as Markdown.
func docTable() string {
	var b strings.Builder
	b.WriteString("| convolution NAME | NAME.conv.weight | batch norm tensors |\n|---|---|---|\n")
	for _, s := range specs() {
		fmt.Fprintf(&b, "| `%s` | %d×%d×%d×%d | %d |\n", s.name, s.out, s.in, s.kh, s.kw, s.out)
	}
	return b.String()
}

// TestDocTable keeps the table in docs/inception.md equal to the tensors
// Load reads.
func TestDocTable(t *testing.T) {
	data, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	const begin, end = "<!-- tensors:begin -->\n", "<!-- tensors:end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s: markers %q and %q not found", docPath, begin, end)
	}
	if want := docTable(); doc[i+len(begin):j] != want {
		if !*update {
			t.Fatalf("%s: tensor table is out of date; run with -update", docPath)
		}
		doc = doc[:i+len(begin)] + want + doc[j:]
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
