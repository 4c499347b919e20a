// The playground's editor: CodeMirror 6 with everything about the language taken from the language service, as
// an editor over `nasfpn lsp` would: colours from its semantic tokens (the real lexer and checker, no second
// grammar), squiggles and quick fixes from its diagnostics, hovers, completion. The page decides when the
// service checks the text (page.ts); before a hover, a completion or a fix it asks for the check to catch up.
//
// The editor lives in a shadow root: there CodeMirror styles itself with constructed style sheets, which the
// page's Content-Security-Policy allows, instead of <style> elements, which it forbids (style-src 'self'
// without 'unsafe-inline'); the shadow root takes the editor's own styles from EDITOR_CSS, a file of the site.
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { lintGutter, setDiagnostics, type Action, type Diagnostic as LintDiagnostic } from '@codemirror/lint';
import { EditorState, RangeSetBuilder, StateEffect, StateField, type Text } from '@codemirror/state';
import {
  Decoration, drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, hoverTooltip, keymap, lineNumbers, type DecorationSet,
} from '@codemirror/view';
import type { CodeAction, CompletionItem, Diagnostic as EditorDiagnostic, Position, Range, TextEdit } from 'vscode-languageserver-types';
import { CompletionItemKind, DiagnosticSeverity } from 'vscode-languageserver-types';
import { SEMANTIC_TOKENS_LEGEND, type LanguageService } from '../service/index.js';
import { h, markdownNodes } from './dom.js';

/** The styles of the editor's contents (token colours, hovers), beside index.html. */
const EDITOR_CSS = 'editor.css';

export interface EditorHooks {
  service: LanguageService;
  uri: string;
  /** Brings the service's check up to date with the editor's text (a no-op when it is). */
  catchUp(): void;
  /** Called after every change of the text. */
  changed(text: string): void;
}

// -------------------------------------------------------------------------------------------------
// Positions: the service speaks the editor protocol (0-based line, UTF-16 character), CodeMirror offsets (UTF-16).

const positionAt = (doc: Text, offset: number): Position => {
  const line = doc.lineAt(offset);
  return { line: line.number - 1, character: offset - line.from };
};

const offsetAt = (doc: Text, p: Position): number => {
  const line = doc.line(Math.min(p.line + 1, doc.lines));
  return Math.min(line.from + p.character, line.to);
};

const rangeAt = (doc: Text, from: number, to: number): Range => ({ start: positionAt(doc, from), end: positionAt(doc, to) });

// -------------------------------------------------------------------------------------------------
// Colours: the semantic tokens as mark decorations (class `tok-<type>`), mapped through edits until the next check.

const setTokens = StateEffect.define<DecorationSet>();

const tokenField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(decorations, transaction) {
    let next = decorations.map(transaction.changes);
    for (const effect of transaction.effects) if (effect.is(setTokens)) next = effect.value;
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const tokenMarks = SEMANTIC_TOKENS_LEGEND.tokenTypes.map((type) => Decoration.mark({ class: `tok-${type}` }));

/** The protocol's token encoding (Δline, Δstart, length, type, modifiers per token) as decorations of `doc`. */
function tokenDecorations(doc: Text, data: readonly number[]): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  let line = 0;
  let start = 0;
  for (let i = 0; i + 4 < data.length; i += 5) {
    line += data[i];
    start = data[i] === 0 ? start + data[i + 1] : data[i + 1];
    if (line >= doc.lines) break;
    const from = doc.line(line + 1).from + start;
    builder.add(from, Math.min(from + data[i + 2], doc.length), tokenMarks[data[i + 3]]);
  }
  return builder.finish();
}

// -------------------------------------------------------------------------------------------------
// Diagnostics: the service's, as CodeMirror's lint shows them (the code first, the hint under the message).

const lintSeverity = (s: EditorDiagnostic['severity']): LintDiagnostic['severity'] =>
  s === DiagnosticSeverity.Error ? 'error' : s === DiagnosticSeverity.Warning ? 'warning' : 'info';

export const hintOf = (d: EditorDiagnostic): string | null => (d.data as { hint?: string | null } | undefined)?.hint ?? null;

function applyEdits(view: EditorView, edits: readonly TextEdit[]): void {
  const doc = view.state.doc;
  view.dispatch({ changes: edits.map((e) => ({ from: offsetAt(doc, e.range.start), to: offsetAt(doc, e.range.end), insert: e.newText })) });
}

// -------------------------------------------------------------------------------------------------
// Completion

const COMPLETION_TYPES: Partial<Record<CompletionItemKind, string>> = {
  [CompletionItemKind.Keyword]: 'keyword', [CompletionItemKind.Property]: 'property', [CompletionItemKind.Function]: 'function',
  [CompletionItemKind.Variable]: 'variable', [CompletionItemKind.EnumMember]: 'enum', [CompletionItemKind.Reference]: 'type',
};

// -------------------------------------------------------------------------------------------------

/** CodeMirror in the page's colours (playground.css), light or dark as the system is. */
const pageColours = () => EditorView.theme({
  '&': { color: 'var(--ink)' },
  '.cm-gutters': { background: 'var(--panel)', color: 'var(--muted)', borderRight: '1px solid var(--line)' },
  '.cm-activeLine, .cm-activeLineGutter': { background: 'color-mix(in srgb, var(--accent) 7%, transparent)' },
  '.cm-tooltip': { background: 'var(--panel)', color: 'var(--ink)', border: '1px solid var(--line)' },
}, { dark: matchMedia('(prefers-color-scheme: dark)').matches });

export class FpnEditor {
  readonly view: EditorView;

  /** An editor holding `text` in a shadow root of `host`. */
  constructor(host: HTMLElement, text: string, private readonly hooks: EditorHooks) {
    const root = host.attachShadow({ mode: 'open' });
    const parent = h('div', { class: 'mount' });
    root.append(h('link', { rel: 'stylesheet', href: EDITOR_CSS }), parent);
    this.view = new EditorView({
      parent,
      root,
      state: EditorState.create({
        doc: text,
        extensions: [
          lineNumbers(), highlightActiveLineGutter(), highlightActiveLine(), drawSelection(), history(),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorState.tabSize.of(2),
          pageColours(),
          tokenField, lintGutter(),
          hoverTooltip((view, pos) => this.hover(view, pos)),
          autocompletion({ override: [(context) => this.complete(context)] }),
          EditorView.contentAttributes.of({ 'aria-label': '.fpn source', spellcheck: 'false' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) hooks.changed(update.state.doc.toString());
          }),
        ],
      }),
    });
  }

  get text(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the whole text (an example or a link was opened). */
  setText(text: string): void {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
  }

  /** Shows a check of the current text: its colours and its diagnostics. */
  showCheck(diagnostics: readonly EditorDiagnostic[], tokens: readonly number[]): void {
    const state = this.view.state;
    const doc = state.doc;
    const lint = diagnostics.map((d): LintDiagnostic => {
      const from = offsetAt(doc, d.range.start);
      const hint = hintOf(d);
      return {
        from, to: Math.max(from, offsetAt(doc, d.range.end)), severity: lintSeverity(d.severity), source: String(d.code), message: d.message,
        renderMessage: () => h('span', {}, d.message, hint ? h('span', { class: 'cm-fpn-hint' }, `hint: ${hint}`) : null),
        actions: this.fixesFor(d),
      };
    });
    this.view.dispatch(setDiagnostics(state, lint), { effects: setTokens.of(tokenDecorations(doc, tokens)) });
  }

  /** Puts the cursor at a diagnostic's start and scrolls it into view. */
  reveal(p: Position): void {
    const at = offsetAt(this.view.state.doc, p);
    this.view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: 'center' }) });
    this.view.focus();
  }

  // Quick fixes: the service's code actions for a diagnostic, applied to the text as it is when chosen.
  private fixesFor(d: EditorDiagnostic): Action[] {
    const { service, uri } = this.hooks;
    const titles = service.codeActions(uri, d.range).filter((a) => a.diagnostics?.some((x) => x.code === d.code && x.message === d.message)).map((a) => a.title);
    return titles.map((title) => ({
      name: title,
      apply: (view, from, to) => {
        this.hooks.catchUp();
        const fresh = service.codeActions(uri, rangeAt(view.state.doc, from, to)).find((a: CodeAction) => a.title === title);
        const edits = fresh?.edit?.changes?.[uri];
        if (edits) applyEdits(view, edits);
      },
    }));
  }

  private hover(view: EditorView, pos: number) {
    this.hooks.catchUp();
    const answer = this.hooks.service.hover(this.hooks.uri, positionAt(view.state.doc, pos));
    if (!answer) return null;
    const contents = answer.contents;
    const markdown = typeof contents === 'string' ? contents : 'value' in contents ? contents.value : '';
    const doc = view.state.doc;
    return {
      pos: answer.range ? offsetAt(doc, answer.range.start) : pos,
      end: answer.range ? offsetAt(doc, answer.range.end) : pos,
      above: true,
      create: () => ({ dom: h('div', { class: 'cm-fpn-hover' }, ...markdownNodes(markdown)) }),
    };
  }

  private complete(context: CompletionContext): CompletionResult | null {
    this.hooks.catchUp();
    const doc = context.state.doc;
    const list = this.hooks.service.completion(this.hooks.uri, positionAt(doc, context.pos));
    if (list.items.length === 0) return null;
    const word = context.matchBefore(/[\w=]*/);
    if (!context.explicit && (!word || word.from === word.to)) return null;
    const edit = (item: CompletionItem) => (item.textEdit && 'range' in item.textEdit ? item.textEdit : null);
    const first = edit(list.items[0]);
    const from = first ? offsetAt(doc, first.range.start) : (word?.from ?? context.pos);
    const options: Completion[] = list.items.map((item) => ({
      label: item.label,
      type: item.kind ? COMPLETION_TYPES[item.kind] : undefined,
      detail: item.detail,
      apply: edit(item)?.newText ?? item.insertText ?? item.label,
    }));
    return { from, options, validFor: /^[\w=]*$/ };
  }
}
