package nbrun

import (
	"encoding/json"
	"fmt"
	"strings"
)

// upgradeV3 converts an nbformat 3 notebook, decoded as generic JSON, to
// nbformat 4 as Jupyter does (nbformat's v4.convert.upgrade, then what its
// writer strips as transient): the worksheets' cells become the notebook's
// cells; a code cell's "input" becomes its source, "prompt_number" its
// execution count, "collapsed" goes into its metadata and "language" is
// dropped; a heading cell becomes a markdown cell of "#"s and its text on
// one line; an "html" cell becomes markdown; outputs are upgraded as
// upgradeOutputV3 says; the metadata loses "name" and "signature", and each
// cell's metadata "trusted". The result is nbformat 4.4: cell ids come with
// Upgrade.
func upgradeV3(nb map[string]any) (map[string]any, error) {
	meta, _ := nb["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	delete(meta, "name")
	delete(meta, "signature")
	// nbformat moves orig_nbformat into the metadata, and its writer
	// drops it there: a converted notebook is written without it.
	delete(meta, "orig_nbformat")
	delete(meta, "orig_nbformat_minor")
	cells := []any{}
	wss, ok := nb["worksheets"].([]any)
	if !ok {
		return nil, fmt.Errorf(`no "worksheets" list`)
	}
	for w, ws := range wss {
		wsm, _ := ws.(map[string]any)
		wcells, ok := wsm["cells"].([]any)
		if !ok {
			return nil, fmt.Errorf(`worksheet %d has no "cells" list`, w+1)
		}
		for _, c := range wcells {
			cm, ok := c.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("cell %d is not an object", len(cells)+1)
			}
			if err := upgradeCellV3(cm); err != nil {
				return nil, fmt.Errorf("cell %d: %v", len(cells)+1, err)
			}
			cells = append(cells, cm)
		}
	}
	return map[string]any{"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 4}, nil
}

// upgradeCellV3 upgrades one cell in place (nbformat's upgrade_cell).
func upgradeCellV3(c map[string]any) error {
	meta, _ := c["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		c["metadata"] = meta
	}
	delete(meta, "trusted")
	switch c["cell_type"] {
	case "code":
		delete(c, "language")
		if v, ok := c["collapsed"]; ok {
			meta["collapsed"] = v
			delete(c, "collapsed")
		}
		src, ok := c["input"]
		if !ok {
			src = ""
		}
		c["source"] = src
		delete(c, "input")
		c["execution_count"] = count(c["prompt_number"])
		delete(c, "prompt_number")
		outs, _ := c["outputs"].([]any)
		if outs == nil {
			outs = []any{}
		}
		for i, o := range outs {
			om, ok := o.(map[string]any)
			if !ok {
				return fmt.Errorf("output %d is not an object", i+1)
			}
			if err := upgradeOutputV3(om); err != nil {
				return fmt.Errorf("output %d: %v", i+1, err)
			}
		}
		c["outputs"] = outs
	case "heading":
		c["cell_type"] = "markdown"
		level := 1
		if l, ok := c["level"].(float64); ok {
			level = int(l)
		}
		delete(c, "level")
		src, err := joinText(c["source"])
		if err != nil {
			return fmt.Errorf("source: %v", err)
		}
		c["source"] = strings.Repeat("#", max(level, 0)) + " " + strings.Join(pySplitLines(src), " ")
	case "html":
		c["cell_type"] = "markdown"
	}
	return nil
}

// mimeV3 maps nbformat 3's output keys to MIME types.
var mimeV3 = map[string]string{
	"text":       "text/plain",
	"html":       "text/html",
	"svg":        "image/svg+xml",
	"png":        "image/png",
	"jpeg":       "image/jpeg",
	"latex":      "text/latex",
	"json":       "application/json",
	"javascript": "application/javascript",
}

// upgradeOutputV3 upgrades one output in place (nbformat's upgrade_output):
// "pyout" becomes "execute_result" (its "prompt_number" the execution
// count), "pyerr" becomes "error", a stream's "stream" its "name"; the data
// of pyout and display_data, kept beside "output_type" with short names
// ("text", "png", …), go into "data" under MIME types, and so do the keys of
// their metadata; "application/json" data, a string in nbformat 3, is
// decoded.
func upgradeOutputV3(o map[string]any) error {
	switch o["output_type"] {
	case "pyout", "display_data":
		meta, _ := o["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		delete(o, "metadata")
		var n any
		if o["output_type"] == "pyout" {
			o["output_type"] = "execute_result"
			n = count(o["prompt_number"])
			delete(o, "prompt_number")
		}
		delete(o, "execution_count")
		typ := o["output_type"]
		delete(o, "output_type")
		data := map[string]any{}
		for k, v := range o {
			data[k] = v
			delete(o, k)
		}
		toMIME(data)
		toMIME(meta)
		if s, ok := data["application/json"]; ok {
			text, err := joinText(s)
			if err != nil {
				return fmt.Errorf("json: %v", err)
			}
			var v any
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				return fmt.Errorf("json: %v", err)
			}
			data["application/json"] = v
		}
		o["output_type"] = typ
		o["data"] = data
		o["metadata"] = meta
		if typ == "execute_result" {
			o["execution_count"] = n
		}
	case "pyerr":
		o["output_type"] = "error"
	case "stream":
		name, ok := o["stream"]
		if !ok {
			name = "stdout"
		}
		delete(o, "stream")
		o["name"] = name
	}
	return nil
}

// count is an execution count of nbformat 3 as one of nbformat 4: the
// same number, or nil for anything but a whole number from 0 (nbformat 4
// allows no other).
func count(v any) any {
	if n, ok := v.(float64); ok && n >= 0 && n == float64(int(n)) {
		return int(n)
	}
	return nil
}

// toMIME renames the short keys of nbformat 3 in m to MIME types.
func toMIME(m map[string]any) {
	for short, mime := range mimeV3 {
		if v, ok := m[short]; ok {
			m[mime] = v
			delete(m, short)
		}
	}
}

// joinText is a multi-line string of nbformat (one string or a list of
// them) as one string.
func joinText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case []any:
		var sb strings.Builder
		for _, s := range v {
			str, ok := s.(string)
			if !ok {
				return "", fmt.Errorf("expected a string or a list of strings")
			}
			sb.WriteString(str)
		}
		return sb.String(), nil
	}
	return "", fmt.Errorf("expected a string or a list of strings")
}

// pySplitLines splits s into lines as Python's str.splitlines does: at
// "\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\u0085",
// "\u2028" and "\u2029", with no empty last line for a final break.
func pySplitLines(s string) []string {
	var lines []string
	rs := []rune(s)
	var cur []rune
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			fallthrough
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			lines = append(lines, string(cur))
			cur = cur[:0]
		default:
			cur = append(cur, r)
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}
