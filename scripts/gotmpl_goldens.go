// Command gotmpl_goldens renders Go text/template cases with the real Go standard library, to
// produce the golden outputs that tests/test_gotmpl.py compares deploylint's Python
// implementation (deploylint/templates/gotmpl/, deploylint/engines/ollama_prompt.py) against.
//
// It reads one JSON document on stdin:
//
//	{"current_date": "2026-01-01",
//	 "raw":    [{"id", "template", "data", "missingkey"}],
//	 "ollama": [{"id", "template", "messages", "system", "tools", "think", "modelfile_messages"}]}
//
// "raw" cases execute text/template directly on JSON data (objects -> map[string]any, arrays ->
// []any, integer literals -> int, other numbers -> float64) with the given missingkey option and
// a FuncMap equivalent to Ollama's. "ollama" cases build the prompt the way Ollama's /api/chat
// does with a Modelfile TEMPLATE. The data shapes (api.Message, api.Tool, api.ToolProperty and the
// template.template* structs handed to templates) and the prompt building (server/routes.go
// ChatHandler system/MESSAGE handling, server/prompt.go image tags, template/template.go Parse
// touch-up, collate and Execute, including the legacy per-turn executions and the cut after
// .Response) are re-implemented here after reading ollama/ollama at commit
// fb30760996871fa9460115c753afd2c60d4ab0f7; field names and JSON tags match that commit so that
// printing and JSON encoding behave the same. currentDate/yesterdayDate are fixed to
// current_date instead of time.Now().
//
// It writes {"go_version": ..., "results": {id: {"ok", "output" | "stage", "error"}}} on stdout.
// Only the standard library is used: go run scripts/gotmpl_goldens.go < in.json > out.json
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// ---------------------------------------------------------------------------------------------
// Request-side types (shapes of ollama api package)

type ImageData []byte

type Message struct {
	Role       string      `json:"role"`
	Content    string      `json:"content"`
	Thinking   string      `json:"thinking,omitempty"`
	Images     []ImageData `json:"images,omitempty"`
	ToolCalls  []ToolCall  `json:"tool_calls,omitempty"`
	ToolName   string      `json:"tool_name,omitempty"`
	ToolCallID string      `json:"tool_call_id,omitempty"`
}

// UnmarshalJSON lower-cases the role, as /api/chat's decoder does.
func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*m = Message(p)
	m.Role = strings.ToLower(m.Role)
	return nil
}

type ToolCall struct {
	ID       string           `json:"id,omitempty"`
	Function ToolCallFunction `json:"function"`
}

type ToolCallFunction struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Ollama keeps an insertion-ordered map and hands templates a plain map copy of it; a plain
	// map decoded from the same JSON is identical to that copy.
	Arguments map[string]any `json:"arguments"`
}

type PropertyType []string

func (pt *PropertyType) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*pt = []string{s}
		return nil
	}
	var a []string
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	*pt = a
	return nil
}

func (pt PropertyType) MarshalJSON() ([]byte, error) {
	if len(pt) == 1 {
		return json.Marshal(pt[0])
	}
	return json.Marshal([]string(pt))
}

func (pt PropertyType) String() string {
	switch len(pt) {
	case 0:
		return ""
	case 1:
		return pt[0]
	}
	return fmt.Sprintf("%v", []string(pt))
}

// ToolPropertiesMap keeps properties in the order they were given.
type ToolPropertiesMap struct {
	keys []string
	vals map[string]ToolProperty
}

func (t *ToolPropertiesMap) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("properties: expected an object")
	}
	t.vals = map[string]ToolProperty{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key := kt.(string)
		var p ToolProperty
		if err := dec.Decode(&p); err != nil {
			return err
		}
		if _, seen := t.vals[key]; !seen {
			t.keys = append(t.keys, key)
		}
		t.vals[key] = p
	}
	_, err = dec.Token()
	return err
}

func (t ToolPropertiesMap) MarshalJSON() ([]byte, error) {
	if t.vals == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range t.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(t.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (t *ToolPropertiesMap) toMap() map[string]ToolProperty {
	if t == nil || t.vals == nil {
		return nil
	}
	m := make(map[string]ToolProperty, len(t.vals))
	for k, v := range t.vals {
		m[k] = v
	}
	return m
}

type ToolProperty struct {
	AnyOf       []ToolProperty     `json:"anyOf,omitempty"`
	Type        PropertyType       `json:"type,omitempty"`
	Items       any                `json:"items,omitempty"`
	Description string             `json:"description,omitempty"`
	Enum        []any              `json:"enum,omitempty"`
	Properties  *ToolPropertiesMap `json:"properties,omitempty"`
	Required    []string           `json:"required,omitempty"`
}

func tsName(jsonType string) string {
	switch jsonType {
	case "string":
		return "string"
	case "number", "integer":
		return "number"
	case "boolean":
		return "boolean"
	case "array":
		return "any[]"
	case "object":
		return "Record<string, any>"
	case "null":
		return "null"
	}
	return "any"
}

func (tp ToolProperty) ToTypeScriptType() string {
	var parts []string
	if len(tp.AnyOf) > 0 {
		for _, a := range tp.AnyOf {
			parts = append(parts, a.ToTypeScriptType())
		}
		return strings.Join(parts, " | ")
	}
	if len(tp.Type) == 0 {
		return "any"
	}
	for _, t := range tp.Type {
		parts = append(parts, tsName(t))
	}
	return strings.Join(parts, " | ")
}

type ToolFunctionParameters struct {
	Type       string             `json:"type"`
	Defs       any                `json:"$defs,omitempty"`
	Items      any                `json:"items,omitempty"`
	Required   []string           `json:"required,omitempty"`
	Properties *ToolPropertiesMap `json:"properties"`
}

type ToolFunction struct {
	Name        string                 `json:"name"`
	Description string                 `json:"description,omitempty"`
	Parameters  ToolFunctionParameters `json:"parameters"`
}

type Tool struct {
	Type     string       `json:"type"`
	Items    any          `json:"items,omitempty"`
	Function ToolFunction `json:"function"`
}

// ---------------------------------------------------------------------------------------------
// Template-side types (what Ollama's template package passes to templates)

type templateTools []templateTool

func (t templateTools) String() string { b, _ := json.Marshal(t); return string(b) }

type templateArgs map[string]any

func (t templateArgs) String() string {
	if t == nil {
		return "{}"
	}
	b, _ := json.Marshal(t)
	return string(b)
}

type templateProperties map[string]ToolProperty

func (t templateProperties) String() string {
	if t == nil {
		return "{}"
	}
	b, _ := json.Marshal(t)
	return string(b)
}

type templateTool struct {
	Type     string               `json:"type"`
	Items    any                  `json:"items,omitempty"`
	Function templateToolFunction `json:"function"`
}

func (t templateTool) String() string { b, _ := json.Marshal(t); return string(b) }

type templateToolFunction struct {
	Name        string                         `json:"name"`
	Description string                         `json:"description"`
	Parameters  templateToolFunctionParameters `json:"parameters"`
}

type templateToolFunctionParameters struct {
	Type       string             `json:"type"`
	Defs       any                `json:"$defs,omitempty"`
	Items      any                `json:"items,omitempty"`
	Required   []string           `json:"required,omitempty"`
	Properties templateProperties `json:"properties"`
}

type templateToolCall struct {
	ID       string
	Function templateToolCallFunction
}

type templateToolCallFunction struct {
	Index     int
	Name      string
	Arguments templateArgs
}

type templateMessage struct {
	Role       string
	Content    string
	Thinking   string
	Images     []ImageData
	ToolCalls  []templateToolCall
	ToolName   string
	ToolCallID string
}

func toTemplateTools(tools []Tool) templateTools {
	if tools == nil {
		return nil
	}
	out := make(templateTools, 0, len(tools))
	for _, t := range tools {
		p := t.Function.Parameters
		out = append(out, templateTool{
			Type:  t.Type,
			Items: t.Items,
			Function: templateToolFunction{
				Name:        t.Function.Name,
				Description: t.Function.Description,
				Parameters: templateToolFunctionParameters{
					Type:       p.Type,
					Defs:       p.Defs,
					Items:      p.Items,
					Required:   p.Required,
					Properties: templateProperties(p.Properties.toMap()),
				},
			},
		})
	}
	return out
}

func toTemplateMessages(msgs []*Message) []*templateMessage {
	if msgs == nil {
		return nil
	}
	out := make([]*templateMessage, 0, len(msgs))
	for _, m := range msgs {
		var calls []templateToolCall
		for _, tc := range m.ToolCalls {
			calls = append(calls, templateToolCall{
				ID: tc.ID,
				Function: templateToolCallFunction{
					Index:     tc.Function.Index,
					Name:      tc.Function.Name,
					Arguments: templateArgs(tc.Function.Arguments),
				},
			})
		}
		out = append(out, &templateMessage{
			Role: m.Role, Content: m.Content, Thinking: m.Thinking, Images: m.Images,
			ToolCalls: calls, ToolName: m.ToolName, ToolCallID: m.ToolCallID,
		})
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// FuncMap

func funcMap(currentDate string) template.FuncMap {
	today, err := time.Parse("2006-01-02", currentDate)
	if err != nil {
		panic(err)
	}
	return template.FuncMap{
		"json": func(v any) string {
			b, _ := json.Marshal(v)
			return string(b)
		},
		"currentDate": func(args ...string) string { return today.Format("2006-01-02") },
		"yesterdayDate": func(args ...string) string {
			return today.AddDate(0, 0, -1).Format("2006-01-02")
		},
		"toTypeScriptType": func(v any) string {
			switch p := v.(type) {
			case ToolProperty:
				return p.ToTypeScriptType()
			case *ToolProperty:
				if p != nil {
					return p.ToTypeScriptType()
				}
			}
			return "any"
		},
	}
}

// ---------------------------------------------------------------------------------------------
// Ollama's template handling

// contains reports whether list holds s (no "slices" package: this builds with Go 1.19, the
// version Debian 12 ships, as well as with current Go).
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// names collects the identifiers of fields and variables used by a node, the way Ollama decides
// whether a template is a .Messages template.
func names(n parse.Node) ([]string, error) {
	var out []string
	add := func(m parse.Node) error {
		if m == nil {
			return nil
		}
		got, err := names(m)
		out = append(out, got...)
		return err
	}
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if err := add(c); err != nil {
				return out, err
			}
		}
	case *parse.TemplateNode:
		if n.Pipe == nil {
			return nil, errors.New("undefined template specified")
		}
		return names(n.Pipe)
	case *parse.ActionNode:
		return names(n.Pipe)
	case *parse.IfNode:
		return names(&n.BranchNode)
	case *parse.RangeNode:
		return names(&n.BranchNode)
	case *parse.WithNode:
		return names(&n.BranchNode)
	case *parse.BranchNode:
		if err := add(n.Pipe); err != nil {
			return out, err
		}
		if err := add(n.List); err != nil {
			return out, err
		}
		if n.ElseList != nil {
			if err := add(n.ElseList); err != nil {
				return out, err
			}
		}
	case *parse.PipeNode:
		for _, c := range n.Cmds {
			for _, a := range c.Args {
				if err := add(a); err != nil {
					return out, err
				}
			}
		}
	case *parse.FieldNode:
		return append([]string(nil), n.Ident...), nil
	case *parse.VariableNode:
		return append([]string(nil), n.Ident...), nil
	}
	return out, nil
}

func templateVars(t *template.Template) ([]string, error) {
	set := map[string]bool{}
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Root == nil {
			continue
		}
		for _, n := range tt.Root.Nodes {
			got, err := names(n)
			if err != nil {
				return nil, err
			}
			for _, g := range got {
				set[strings.ToLower(g)] = true
			}
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func responseAction() *parse.ActionNode {
	return &parse.ActionNode{
		NodeType: parse.NodeAction,
		Pipe: &parse.PipeNode{
			NodeType: parse.NodePipe,
			Cmds: []*parse.CommandNode{{
				NodeType: parse.NodeCommand,
				Args:     []parse.Node{&parse.FieldNode{NodeType: parse.NodeField, Ident: []string{"Response"}}},
			}},
		},
	}
}

type ollamaTemplate struct {
	t    *template.Template
	vars []string
}

func parseOllama(src string, funcs template.FuncMap) (*ollamaTemplate, error) {
	t, err := template.New("").Option("missingkey=zero").Funcs(funcs).Parse(src)
	if err != nil {
		return nil, err
	}
	vars, err := templateVars(t)
	if err != nil {
		return nil, err
	}
	if !contains(vars, "messages") && !contains(vars, "response") {
		t.Tree.Root.Nodes = append(t.Tree.Root.Nodes, responseAction())
	}
	return &ollamaTemplate{t: t, vars: vars}, nil
}

// collate merges consecutive same-role messages (not tool messages) and joins system contents.
func collate(msgs []Message) (string, []*Message) {
	var system []string
	var out []*Message
	for i := range msgs {
		if msgs[i].Role == "system" {
			system = append(system, msgs[i].Content)
		}
		if len(out) > 0 && out[len(out)-1].Role == msgs[i].Role && msgs[i].Role != "tool" {
			out[len(out)-1].Content += "\n\n" + msgs[i].Content
		} else {
			out = append(out, &msgs[i])
		}
	}
	return strings.Join(system, "\n\n"), out
}

// cutter keeps a parse tree up to and including the first .Response field and drops the rest.
// Ollama's implementation crashes (a nil type assertion) when an else branch follows a body
// that contained the cut point; that case is reported as an error here.
type cutter struct{ cut bool }

func (c *cutter) drop(n parse.Node) bool {
	if f, ok := n.(*parse.FieldNode); ok && contains(f.Ident, "Response") {
		c.cut = true
		return false
	}
	return c.cut
}

var errCutPanic = errors.New("ollama panics: nil else branch after the .Response cut")

func (c *cutter) walk(n parse.Node) (parse.Node, error) {
	if c.drop(n) {
		return nil, nil
	}
	var branch *parse.BranchNode
	switch n := n.(type) {
	case *parse.ListNode:
		var kept []parse.Node
		for _, child := range n.Nodes {
			got, err := c.walk(child)
			if err != nil {
				return nil, err
			}
			if got != nil {
				kept = append(kept, got)
			}
		}
		n.Nodes = kept
		return n, nil
	case *parse.IfNode:
		branch = &n.BranchNode
	case *parse.WithNode:
		branch = &n.BranchNode
	case *parse.RangeNode:
		branch = &n.BranchNode
	case *parse.ActionNode:
		p, err := c.walk(n.Pipe)
		if err != nil || p == nil {
			return nil, err
		}
		n.Pipe = p.(*parse.PipeNode)
		return n, nil
	case *parse.PipeNode:
		var cmds []*parse.CommandNode
		for _, cmd := range n.Cmds {
			var args []parse.Node
			for _, a := range cmd.Args {
				got, err := c.walk(a)
				if err != nil {
					return nil, err
				}
				if got != nil {
					args = append(args, got)
				}
			}
			if len(args) == 0 {
				return nil, nil
			}
			cmd.Args = args
			cmds = append(cmds, cmd)
		}
		if len(cmds) == 0 {
			return nil, nil
		}
		n.Cmds = cmds
		return n, nil
	default:
		return n, nil
	}
	// if/with/range: the branch itself is tested, then its lists
	if c.drop(branch) {
		return nil, errCutPanic
	}
	l, err := c.walk(branch.List)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, errCutPanic
	}
	branch.List = l.(*parse.ListNode)
	if branch.ElseList != nil {
		el, err := c.walk(branch.ElseList)
		if err != nil {
			return nil, err
		}
		if el == nil {
			return nil, errCutPanic
		}
		branch.ElseList = el.(*parse.ListNode)
	}
	return n, nil
}

type thinkSettings struct {
	think, isSet bool
	level        string
}

func parseThink(raw json.RawMessage) thinkSettings {
	if len(raw) == 0 || string(raw) == "null" {
		return thinkSettings{}
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		level := ""
		if b {
			level = "medium"
		}
		return thinkSettings{think: b, isSet: true, level: level}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		on := s == "high" || s == "medium" || s == "low" || s == "max"
		return thinkSettings{think: on, isSet: true, level: s}
	}
	return thinkSettings{}
}

func renderOllama(c ollamaCase, funcs template.FuncMap) result {
	ot, err := parseOllama(c.Template, funcs)
	if err != nil {
		return result{Stage: "parse", Error: err.Error()}
	}

	// server/routes.go: Modelfile MESSAGEs first, Modelfile SYSTEM when the request has none.
	msgs := append(append([]Message(nil), c.ModelfileMessages...), c.Messages...)
	if len(c.Messages) > 0 && c.Messages[0].Role != "system" && c.System != "" {
		msgs = append([]Message{{Role: "system", Content: c.System}}, msgs...)
	}
	// server/prompt.go: image tags for template-rendered models.
	n := 0
	for i := range msgs {
		prefix, prompt := "", msgs[i].Content
		for range msgs[i].Images {
			tag := fmt.Sprintf("[img-%d]", n)
			n++
			if !strings.Contains(prompt, "[img]") {
				prefix += tag
			} else {
				prompt = strings.Replace(prompt, "[img]", tag, 1)
			}
		}
		msgs[i].Content = prefix + prompt
	}

	th := parseThink(c.Think)
	system, collated := collate(msgs)
	var out bytes.Buffer
	if contains(ot.vars, "messages") {
		err := ot.t.Execute(&out, map[string]any{
			"System":     system,
			"Messages":   toTemplateMessages(collated),
			"Tools":      toTemplateTools(c.Tools),
			"Response":   "",
			"Think":      th.think,
			"ThinkLevel": th.level,
			"IsThinkSet": th.isSet,
		})
		if err != nil {
			return result{Stage: "exec", Error: err.Error()}
		}
		return result{OK: true, Output: out.String()}
	}

	var sys, prompt, response string
	values := func() map[string]any {
		return map[string]any{
			"System": sys, "Prompt": prompt, "Response": response,
			"Think": th.think, "ThinkLevel": th.level, "IsThinkSet": th.isSet,
		}
	}
	execute := func() error {
		if err := ot.t.Execute(&out, values()); err != nil {
			return err
		}
		sys, prompt, response = "", "", ""
		return nil
	}
	for _, m := range collated {
		switch m.Role {
		case "system":
			if prompt != "" || response != "" {
				if err := execute(); err != nil {
					return result{Stage: "exec", Error: err.Error()}
				}
			}
			sys = m.Content
		case "user":
			if response != "" {
				if err := execute(); err != nil {
					return result{Stage: "exec", Error: err.Error()}
				}
			}
			prompt = m.Content
		case "assistant":
			response = m.Content
		}
	}
	cut := &cutter{}
	root, err := cut.walk(ot.t.Root.Copy())
	if err != nil {
		return result{Stage: "exec", Error: err.Error()}
	}
	tree := parse.Tree{Root: root.(*parse.ListNode)}
	last, err := template.New("").AddParseTree("", &tree)
	if err != nil {
		return result{Stage: "exec", Error: err.Error()}
	}
	if err := last.Execute(&out, values()); err != nil {
		return result{Stage: "exec", Error: err.Error()}
	}
	return result{OK: true, Output: out.String()}
}

// ---------------------------------------------------------------------------------------------
// Raw cases

// plain converts json.Number values into int (integer literals) or float64.
func plain(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return int(i)
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = plain(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = plain(x)
		}
		return v
	}
	return v
}

func renderRaw(c rawCase, funcs template.FuncMap) result {
	mk := c.MissingKey
	if mk == "" {
		mk = "zero"
	}
	t, err := template.New("").Option("missingkey=" + mk).Funcs(funcs).Parse(c.Template)
	if err != nil {
		return result{Stage: "parse", Error: err.Error()}
	}
	var data any
	if len(c.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(c.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return result{Stage: "input", Error: err.Error()}
		}
		data = plain(data)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, data); err != nil {
		return result{Stage: "exec", Error: err.Error()}
	}
	return result{OK: true, Output: out.String()}
}

// ---------------------------------------------------------------------------------------------

type rawCase struct {
	ID         string          `json:"id"`
	Template   string          `json:"template"`
	Data       json.RawMessage `json:"data"`
	MissingKey string          `json:"missingkey"`
}

type ollamaCase struct {
	ID                string          `json:"id"`
	Template          string          `json:"template"`
	Messages          []Message       `json:"messages"`
	System            string          `json:"system"`
	Tools             []Tool          `json:"tools"`
	Think             json.RawMessage `json:"think"`
	ModelfileMessages []Message       `json:"modelfile_messages"`
}

type input struct {
	CurrentDate string       `json:"current_date"`
	Raw         []rawCase    `json:"raw"`
	Ollama      []ollamaCase `json:"ollama"`
}

type result struct {
	OK     bool   `json:"ok"`
	Output string `json:"output,omitempty"`
	Stage  string `json:"stage,omitempty"`
	Error  string `json:"error,omitempty"`
}

func safely(f func() result) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{Stage: "panic", Error: fmt.Sprint(p)}
		}
	}()
	return f()
}

func main() {
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		panic(err)
	}
	if in.CurrentDate == "" {
		in.CurrentDate = "2026-01-01"
	}
	funcs := funcMap(in.CurrentDate)
	results := map[string]result{}
	for _, c := range in.Raw {
		results[c.ID] = safely(func() result { return renderRaw(c, funcs) })
	}
	for _, c := range in.Ollama {
		results[c.ID] = safely(func() result { return renderOllama(c, funcs) })
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]any{"go_version": runtime.Version(), "results": results}); err != nil {
		panic(err)
	}
}
