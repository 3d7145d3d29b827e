package sdk

import (
	"io"
	"log/slog"
	"strings"
)

// newJSONHandler writes slog records in the JSON shape go-plugin's host
// parses (@level, @message, @timestamp), so a plugin's records are re-logged
// by the host at their level, under the plugin's name.
func newJSONHandler(w io.Writer) slog.Handler {
	return slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.String(
					"@timestamp",
					a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"),
				)
			case slog.LevelKey:
				return slog.String("@level", strings.ToLower(a.Value.String()))
			case slog.MessageKey:
				return slog.String("@message", a.Value.String())
			}
			return a
		},
	})
}
