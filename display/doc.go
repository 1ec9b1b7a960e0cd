// Package display is what gopar cells call to show things: HTML, Markdown,
// LaTeX, SVG, PNG and JPEG images, JSON, tables, plots and progress bars.
//
// Functions such as HTML, PNG and Display publish a display_data message at
// once, through the Sink that the engine installs with SetSink for the running
// cell. The package does no I/O of its own: it builds MIME bundles
// (engine.Bundle) and hands them to the sink.
//
// A cell's last value is shown through Render, which picks the richest bundle
// for it:
//
//   - *plot.Plot: a PNG with two pixels per CSS pixel, and its CSS size in
//     the metadata, so that every frontend shows it sharp and at the plot's
//     size (see SetPlotSize and Figure);
//   - image.Image: PNG;
//   - parlib results (*ScalingResult, TimeResult, BenchResult and slices of
//     them): an HTML table, and for scaling studies the speed-up plot with the
//     ideal line and the fitted Amdahl curve, as an SVG <img> in the HTML;
//   - *Table, and the value types HTMLText, MarkdownText, LaTeXText, SVGText,
//     PNGData, JPEGData, JSONValue and html/template's HTML;
//   - any value with a method MIMEBundle() map[string]any (see MIMEBundler),
//     or with one or more of the methods HTML() string, Markdown() string,
//     SVG() string, LaTeX() string, PNG() []byte, JPEG() []byte;
//   - gonum matrices (mat.Matrix) as aligned text;
//   - anything else as text/plain, formatted the way fmt would, with the
//     rules described at PlainText.
//
// Every bundle carries text/plain, so that consoles and plain-text exports
// show something sensible.
//
// SetSink also makes long parlib runs (Scaling, Bench) show progress bars
// in the cell: see ParlibProgress.
package display
