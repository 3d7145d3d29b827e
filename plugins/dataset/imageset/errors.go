package imageset

import (
	"errors"
	"fmt"
	"os"

	"github.com/ndalab/ndalab/core"
)

// FileError gives a file-system error its core kind: ErrNotFound for a
// missing file, ErrInvalidArgument otherwise (unreadable, a directory).
func FileError(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %v", core.ErrNotFound, err)
	}
	return fmt.Errorf("%w: %v", core.ErrInvalidArgument, err)
}
