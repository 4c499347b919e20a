// Colour themes. The paper's conventions hold in both: Figure 7 marks inputs green and outputs red,
// Figure 6 fills input layers yellow and output layers blue.

export type ThemeName = 'light' | 'dark';
export const THEME_NAMES: readonly ThemeName[] = ['light', 'dark'];

export interface Theme {
  name: ThemeName;
  background: string;
  /** Text, dots, strokes. */
  ink: string;
  /** Secondary text (strides, widths, notes). */
  muted: string;
  edge: string;
  /** Row bands behind alternate levels. */
  band: string;
  input: string;
  output: string;
  /** Figure 6 fills. */
  inputLayer: string;
  outputLayer: string;
  innerLayer: string;
  block: string;
  cluster: string;
  clusterStroke: string;
  /** Text drawn on the dark dots (the + of a sum). */
  onDot: string;
  /**
   * `nasfpn diff --draw`: cells and edges only in B, only in A (drawn dashed), in both with a changed field, and in
   * both alike. Apart from the green inputs and red outputs, and from each other in the common colour-vision
   * deficiencies (blue against orange; purple darker than both; the unchanged ones a light grey).
   */
  diff: { added: string; removed: string; changed: string; unchanged: string };
}

const LIGHT: Theme = {
  name: 'light',
  background: '#ffffff',
  ink: '#1f1f1f',
  muted: '#666666',
  edge: '#4d4d4d',
  band: '#f4f4f4',
  input: '#2ca02c',
  output: '#d62728',
  inputLayer: '#ffe680',
  outputLayer: '#9cc7f0',
  innerLayer: '#e6e6e6',
  block: '#ffffff',
  cluster: '#fafafa',
  clusterStroke: '#b3b3b3',
  onDot: '#ffffff',
  diff: { added: '#1f6fd1', removed: '#e07b00', changed: '#7b3fb0', unchanged: '#c4c4c4' },
};

const DARK: Theme = {
  name: 'dark',
  background: '#1b1d21',
  ink: '#e8e8e8',
  muted: '#a0a0a0',
  edge: '#b8b8b8',
  band: '#24272c',
  input: '#4cc35a',
  output: '#ff5c5c',
  inputLayer: '#5e4f12',
  outputLayer: '#24496e',
  innerLayer: '#3a3d44',
  block: '#2a2d33',
  cluster: '#22252a',
  clusterStroke: '#555a63',
  onDot: '#1b1d21',
  diff: { added: '#5aa9f0', removed: '#ffa033', changed: '#c39bea', unchanged: '#5a5e66' },
};

/** What a box is filled as, in the views that draw boxes (cells, stack): a feature layer or a plain block. */
export type BoxFill = 'input' | 'output' | 'inner' | 'block' | 'cluster';

export function boxFill(fill: BoxFill, theme: Theme): string {
  switch (fill) {
    case 'input': return theme.inputLayer;
    case 'output': return theme.outputLayer;
    case 'inner': return theme.innerLayer;
    case 'cluster': return theme.cluster;
    case 'block': return theme.block;
  }
}

export function themeByName(name: ThemeName): Theme {
  return name === 'dark' ? DARK : LIGHT;
}

/** The SVG font stack: DejaVu Sans first (what the PNG renderer ships and what text is measured with). */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Geneva, sans-serif";
