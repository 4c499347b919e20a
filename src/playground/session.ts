// What the playground shows for the text being edited, without the page: the language service checks it (the
// diagnostics, hovers and tokens of `nasfpn check` and the editors), and the CLI's own drawers and counters give
// the views: the Figure 7 graph, the cells and stack views, the `nasfpn stats` table and the `nasfpn diff` of
// each pyramid or detector against its previous version. No DOM and no Node module: tests drive it directly,
// and the page (page.ts) puts its answers on screen.
//
// The document lives beside the examples (/playground/), so `import { nasfpn } from "nasfpn.fpn"` reads the
// example as it would next to the file on disk.
import type { Diagnostic as EditorDiagnostic } from 'vscode-languageserver-types';
import { COUNT_COLUMNS, countRows, countTitle, FLOPS_CONVENTION } from '../codegen/count-table.js';
import { countModel } from '../codegen/count.js';
import { lowerDetector } from '../codegen/lower.js';
import { diffDetectors } from '../diff/detector.js';
import { formatDetectorDiff, formatPyramidDiff } from '../diff/print.js';
import { diffPyramids } from '../diff/pyramid.js';
import { pyramidHash } from '../semantics/hash.js';
import type { DetectorIR, PyramidNetworkIR } from '../semantics/ir.js';
import { LanguageService } from '../service/index.js';
import { drawDetector, drawDiff, drawPyramid } from '../viz/index.js';
import type { ThemeName } from '../viz/theme.js';

/** The folder the examples and the edited document share. */
export const PLAYGROUND_DIR = '/playground';
/** The edited document: what the page's editor holds. */
export const DOCUMENT_PATH = `${PLAYGROUND_DIR}/design.fpn`;
export const DOCUMENT_URI = `file://${DOCUMENT_PATH}`;

/** A pyramid or detector of the document that checked without errors: what the views draw. */
export interface Subject {
  kind: 'pyramid' | 'detector';
  name: string;
  pyramid: PyramidNetworkIR;
  detector?: DetectorIR;
}

/** The `nasfpn stats` table of one detector. */
export interface StatsTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/** What changed from a subject's previous version to the current one. */
export interface SubjectDiff {
  equal: boolean;
  /** `nasfpn diff`'s text. */
  text: string;
  /** The current Figure 7 graph with the previous version overlaid (`nasfpn diff --draw`). */
  svg: string;
}

/** A subject as it was at one version of the document. */
interface Version {
  key: string;
  subject: Subject;
  /** The document version it was first seen at. */
  version: number;
}

export class PlaygroundSession {
  readonly service: LanguageService;
  private version = 0;
  /** Per subject (by kind and name): the version before the current one, and the current one. */
  private readonly history = new Map<string, { previous: Version | null; current: Version }>();
  /** Subjects whose previous version stays put while the document changes (the page's "keep baseline"). */
  private readonly pinned = new Set<string>();

  /** `examples`: file name → text, readable by the document's imports. */
  constructor(examples: Readonly<Record<string, string>>) {
    const files = new Map(Object.entries(examples).map(([name, text]) => [`${PLAYGROUND_DIR}/${name}`, text]));
    this.service = new LanguageService({ readFile: (path) => files.get(path) ?? null });
  }

  /** Replaces the document's text; the subjects that checked are recorded for their diffs. */
  setText(text: string): void {
    this.version += 1;
    this.service.update(DOCUMENT_URI, text, this.version);
    for (const subject of this.subjects()) this.record(subject);
  }

  /** The document's diagnostics, as the editor protocol has them (code, message, hint in `data`). */
  diagnostics(): EditorDiagnostic[] {
    return this.service.diagnostics(DOCUMENT_URI);
  }

  /** The pyramids, then the detectors, of the document that checked without errors (others may still have some). */
  subjects(): Subject[] {
    const declarations = this.service.declarations(DOCUMENT_URI);
    const pyramids = declarations.flatMap((d) => (d.kind === 'pyramid' && d.ir ? [{ kind: 'pyramid' as const, name: d.ir.name, pyramid: d.ir }] : []));
    const detectors = declarations.flatMap((d) => (d.kind === 'detector' && d.ir ? [{ kind: 'detector' as const, name: d.ir.name, pyramid: d.ir.pyramid, detector: d.ir }] : []));
    return [...pyramids, ...detectors];
  }

  /** The structural hash of a subject's pyramid, as `nasfpn hash` prints it. */
  hash(subject: Subject): string {
    return pyramidHash(subject.pyramid);
  }

  /** Figure 7: the graph view of the subject's pyramid. */
  graph(subject: Subject, theme: ThemeName): Promise<string> {
    return drawPyramid('graph', subject, theme);
  }

  /** Figure 6: the cells view (null for a fixed `kind fpn` pyramid, which has no merging cells). */
  async cells(subject: Subject, theme: ThemeName): Promise<string | null> {
    const pyramid = subject.pyramid;
    return pyramid.kind === 'cells' ? drawPyramid('cells', { ...subject, pyramid }, theme) : null;
  }

  /** The stack view of a detector (null for a pyramid on its own). */
  stack(subject: Subject, theme: ThemeName): string | null {
    return subject.detector ? drawDetector(subject.detector, theme) : null;
  }

  /** What `nasfpn stats` prints for the document: a table per detector that checked. */
  stats(): { tables: StatsTable[]; convention: string } {
    const tables = this.subjects().flatMap((s) => {
      if (!s.detector) return [];
      const counts = countModel(lowerDetector(s.detector));
      return [{ title: countTitle(counts), columns: COUNT_COLUMNS, rows: countRows(counts) }];
    });
    return { tables, convention: FLOPS_CONVENTION };
  }

  // -------------------------------------------------------------------------------------------------
  // Versions: each subject's previous version is the last one that differed from the current one.

  /** The diff of a subject against its previous version; null before it has changed. */
  diff(subject: Subject, theme: ThemeName): SubjectDiff | null {
    const previous = this.history.get(idOf(subject))?.previous;
    if (!previous) return null;
    const before = previous.subject;
    const labels = { a: `${before.name} (version ${previous.version})`, b: `${subject.name} (now)` };
    const detectors = before.detector && subject.detector ? diffDetectors(before.detector, subject.detector) : null;
    const pyramids = detectors?.pyramid ?? diffPyramids(before.pyramid, subject.pyramid);
    return {
      equal: detectors ? detectors.equal : pyramids.equal,
      text: detectors ? formatDetectorDiff(detectors, labels) : formatPyramidDiff(pyramids, labels),
      svg: drawDiff(before.pyramid, subject.pyramid, pyramids, theme),
    };
  }

  /** Keeps a subject's previous version where it is (true) or lets it follow the edits again (false). */
  pin(subject: Subject, keep: boolean): void {
    if (keep) this.pinned.add(idOf(subject));
    else this.pinned.delete(idOf(subject));
  }

  isPinned(subject: Subject): boolean {
    return this.pinned.has(idOf(subject));
  }

  private record(subject: Subject): void {
    const id = idOf(subject);
    const key = versionKey(subject);
    const seen = this.history.get(id);
    const now: Version = { key, subject, version: this.version };
    if (!seen) this.history.set(id, { previous: null, current: now });
    else if (seen.current.key !== key) this.history.set(id, { previous: this.pinned.has(id) ? seen.previous ?? seen.current : seen.current, current: now });
  }
}

const idOf = (subject: Subject) => `${subject.kind}:${subject.name}`;

/** Equal for two versions that compute the same thing: the pyramid's structural hash, and a detector's settings. */
function versionKey(subject: Subject): string {
  const hash = pyramidHash(subject.pyramid);
  if (!subject.detector) return hash;
  const { pyramid: _pyramid, name: _name, ...settings } = subject.detector;
  return `${hash}:${JSON.stringify(settings)}`;
}
