// The playground page (browser entry, bundled by scripts/build-playground.mjs): the editor on the left with the
// problems under it, the views of what it declares on the right (Figure 7, cells, stack, stats, diff), all
// redrawn as the text changes. Everything it knows about the language comes from PlaygroundSession
// (session.ts): the language service and the CLI's drawers and counters, running in the page.
//
// The text comes from the link (link.ts) or an example; it goes into the editor and, as the service's
// answers, into the page as text nodes only (dom.ts).
import EXAMPLES from 'nasfpn:examples';
import type { Diagnostic as EditorDiagnostic } from 'vscode-languageserver-types';
import { DiagnosticSeverity } from 'vscode-languageserver-types';
import type { ThemeName } from '../viz/theme.js';
import { h, svgElement } from './dom.js';
import { FpnEditor, hintOf } from './editor.js';
import { fragmentOf, readFragment } from './link.js';
import { DOCUMENT_URI, PlaygroundSession, type Subject } from './session.js';

/** Typing pauses this long before the text is checked and the views redrawn. */
const CHECK_DELAY_MS = 120;
/** The link in the address bar follows the text this long after the last change. */
const LINK_DELAY_MS = 400;
const DEFAULT_EXAMPLE = 'nasfpn.fpn';

const VIEWS = ['graph', 'cells', 'stack', 'stats', 'diff'] as const;
type View = (typeof VIEWS)[number];
const VIEW_LABELS: Record<View, string> = { graph: 'Figure 7', cells: 'Cells', stack: 'Stack', stats: 'Stats', diff: 'Diff' };

const started = performance.now();
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const theme = (): ThemeName => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

class Playground {
  private readonly session = new PlaygroundSession(EXAMPLES);
  private readonly editor: FpnEditor;
  private view: View = 'graph';
  /** The subject the views draw, by `kind:name` (kept across edits while it exists). */
  private chosen: string | null = null;
  private checkedText: string | null = null;
  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  private linkTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every redraw, so a slow drawing (the cells view's layout) never replaces a newer one. */
  private drawing = 0;
  private firstDrawn = false;
  private lastCheckMs = 0;

  constructor(text: string, notice: string | null) {
    this.buildChrome();
    this.editor = new FpnEditor(byId('editor'), text, {
      service: this.session.service,
      uri: DOCUMENT_URI,
      catchUp: () => this.check(),
      changed: () => this.schedule(),
    });
    if (notice) this.status(notice);
    this.check();
  }

  // -------------------------------------------------------------------------------------------------
  // The parts of the page around the editor

  private buildChrome(): void {
    const examples = byId<HTMLSelectElement>('examples');
    examples.append(h('option', { value: '' }, 'Open an example…'), ...Object.keys(EXAMPLES).map((name) => h('option', { value: name }, name)));
    examples.addEventListener('change', () => {
      const text = EXAMPLES[examples.value];
      if (text !== undefined) this.editor.setText(text);
      examples.value = '';
    });
    byId('share').addEventListener('click', () => {
      void this.writeLink().then(() => navigator.clipboard?.writeText(location.href)).then(() => this.status('link copied'), () => this.status('copy the address bar to share'));
    });
    const tabs = byId('tabs');
    for (const view of VIEWS) {
      const tab = h('button', { role: 'tab', 'data-view': view, 'aria-selected': String(view === this.view) }, VIEW_LABELS[view]);
      tab.addEventListener('click', () => {
        this.view = view;
        for (const t of tabs.children) t.setAttribute('aria-selected', String(t === tab));
        void this.redraw();
      });
      tabs.append(tab);
    }
    byId<HTMLSelectElement>('subject').addEventListener('change', (event) => {
      this.chosen = (event.target as HTMLSelectElement).value;
      void this.redraw();
    });
  }

  private status(text: string): void {
    byId('status').textContent = text;
  }

  // -------------------------------------------------------------------------------------------------
  // Checking: after a pause in typing, or at once when a hover or completion needs the current text.

  private schedule(): void {
    clearTimeout(this.checkTimer);
    this.checkTimer = setTimeout(() => this.check(), CHECK_DELAY_MS);
    clearTimeout(this.linkTimer);
    this.linkTimer = setTimeout(() => void this.writeLink(), LINK_DELAY_MS);
  }

  private check(): void {
    const text = this.editor.text;
    if (text === this.checkedText) return;
    clearTimeout(this.checkTimer);
    const start = performance.now();
    this.session.setText(text);
    this.checkedText = text;
    const diagnostics = this.session.diagnostics();
    this.editor.showCheck(diagnostics, this.session.service.semanticTokens(DOCUMENT_URI).data);
    this.lastCheckMs = performance.now() - start;
    document.body.dataset.checks = String(Number(document.body.dataset.checks ?? 0) + 1);
    document.body.dataset.checkMs = this.lastCheckMs.toFixed(1);
    this.showProblems(diagnostics);
    this.showSubjects();
    void this.redraw();
  }

  private async writeLink(): Promise<void> {
    const fragment = await fragmentOf(this.editor.text);
    if (location.hash !== fragment) history.replaceState(null, '', fragment);
  }

  private showProblems(diagnostics: readonly EditorDiagnostic[]): void {
    const count = (severity: DiagnosticSeverity, word: string) => {
      const n = diagnostics.filter((d) => d.severity === severity).length;
      return n ? `${n} ${word}${n === 1 ? '' : 's'}` : null;
    };
    const tally = [count(DiagnosticSeverity.Error, 'error'), count(DiagnosticSeverity.Warning, 'warning'), count(DiagnosticSeverity.Information, 'note')].filter(Boolean);
    const rows = diagnostics.map((d) => {
      const severity = d.severity === DiagnosticSeverity.Error ? 'error' : d.severity === DiagnosticSeverity.Warning ? 'warning' : 'info';
      const hint = hintOf(d);
      const row = h('li', { class: `problem ${severity}`, 'data-code': String(d.code), tabindex: '0' },
        h('span', { class: 'where' }, `${d.range.start.line + 1}:${d.range.start.character + 1}`),
        h('span', { class: 'code' }, String(d.code)),
        h('span', { class: 'message' }, d.message),
        hint ? h('span', { class: 'hint' }, `hint: ${hint}`) : null);
      const reveal = () => this.editor.reveal(d.range.start);
      row.addEventListener('click', reveal);
      row.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') reveal();
      });
      return row;
    });
    byId('problems').replaceChildren(
      h('p', { class: 'summary' }, tally.length ? tally.join(', ') : 'no problems', ` · checked in ${this.lastCheckMs.toFixed(1)} ms`),
      h('ol', {}, ...rows),
    );
  }

  private showSubjects(): void {
    const subjects = this.session.subjects();
    const ids = subjects.map(idOf);
    if (this.chosen === null || !ids.includes(this.chosen)) this.chosen = ids[0] ?? null;
    const select = byId<HTMLSelectElement>('subject');
    const options = subjects.map((s) => h('option', { value: idOf(s) }, `${s.kind} ${s.name}`));
    select.replaceChildren(...(options.length ? options : [h('option', { value: '' }, 'nothing to draw yet')]));
    select.value = this.chosen ?? '';
  }

  // -------------------------------------------------------------------------------------------------
  // The views

  private async redraw(): Promise<void> {
    const ticket = ++this.drawing;
    const start = performance.now();
    const subject = this.session.subjects().find((s) => idOf(s) === this.chosen) ?? null;
    let content: Node[];
    try {
      content = await this.render(this.view, subject);
    } catch (error) {
      content = [h('p', { class: 'failure' }, error instanceof Error ? error.message : String(error))];
    }
    if (ticket !== this.drawing) return;
    const target = byId('view');
    target.replaceChildren(...content);
    target.dataset.view = this.view;
    target.dataset.subject = subject ? idOf(subject) : '';
    const drawMs = (performance.now() - start).toFixed(1);
    byId('timing').textContent = `drawn in ${drawMs} ms`;
    document.body.dataset.drawMs = drawMs;
    if (!this.firstDrawn) {
      this.firstDrawn = true;
      // The first render, from the start of the navigation (the bundle's download and start-up included).
      document.body.dataset.firstRenderMs = performance.now().toFixed(1);
      document.body.dataset.scriptMs = (performance.now() - started).toFixed(1);
    }
    // For tests and the benchmark (bench/playground.bench.ts): the page is drawn, and how long each step took.
    document.body.dataset.draws = String(Number(document.body.dataset.draws ?? 0) + 1);
    document.body.dataset.state = 'ready';
  }

  private async render(view: View, subject: Subject | null): Promise<Node[]> {
    const mode = theme();
    if (view === 'stats') return this.statsView();
    if (!subject) return [h('p', { class: 'empty' }, 'Nothing to draw: the file declares no pyramid or detector that checks without errors.')];
    switch (view) {
      case 'graph':
        return [
          h('p', { class: 'caption' }, `${subject.kind} ${subject.name} · structural hash `, h('code', { class: 'hash' }, this.session.hash(subject))),
          figure(await this.session.graph(subject, mode)),
        ];
      case 'cells': {
        const svg = await this.session.cells(subject, mode);
        return svg ? [figure(svg)] : [h('p', { class: 'empty' }, `${subject.pyramid.name} is a fixed FPN (kind fpn): it has no merging cells to draw.`)];
      }
      case 'stack': {
        const svg = this.session.stack(subject, mode);
        return svg ? [figure(svg)] : [h('p', { class: 'empty' }, 'The stack view draws a detector: choose one above.')];
      }
      case 'diff':
        return this.diffView(subject, mode);
    }
  }

  private statsView(): Node[] {
    const { tables, convention } = this.session.stats();
    if (tables.length === 0) return [h('p', { class: 'empty' }, 'The file declares no detector that checks without errors.')];
    return [
      ...tables.flatMap((t) => [
        h('h2', {}, t.title),
        h('table', { class: 'stats' },
          h('thead', {}, h('tr', {}, ...t.columns.map((c) => h('th', {}, c)))),
          h('tbody', {}, ...t.rows.map((cells, i) => h('tr', { class: i === t.rows.length - 1 ? 'total' : undefined }, ...cells.map((c) => h('td', {}, c)))))),
      ]),
      h('p', { class: 'note' }, convention),
    ];
  }

  private diffView(subject: Subject, mode: ThemeName): Node[] {
    const keep = h('input', { type: 'checkbox' });
    keep.checked = this.session.isPinned(subject);
    keep.addEventListener('change', () => this.session.pin(subject, keep.checked));
    const pin = h('label', { class: 'pin' }, keep, ' keep this baseline while editing');
    const diff = this.session.diff(subject, mode);
    if (!diff) return [pin, h('p', { class: 'empty' }, `No earlier version of ${subject.name} yet: change it, and what changed appears here.`)];
    return [pin, h('pre', { class: 'diff' }, diff.text), figure(diff.svg)];
  }
}

const idOf = (s: Subject) => `${s.kind}:${s.name}`;

const figure = (svg: string) => h('figure', {}, svgElement(svg));

async function start(): Promise<void> {
  const link = await readFragment(location.hash);
  let notice: string | null = null;
  let text = EXAMPLES[DEFAULT_EXAMPLE];
  if (link?.kind === 'text') text = link.text;
  else if (link?.kind === 'example') {
    if (EXAMPLES[link.name] !== undefined) text = EXAMPLES[link.name];
    else notice = `no example named ${link.name}; opened ${DEFAULT_EXAMPLE}`;
  } else if (location.hash.length > 1) notice = `the link holds no design the playground can read; opened ${DEFAULT_EXAMPLE}`;
  new Playground(text, notice);
}

void start();
