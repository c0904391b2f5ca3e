/**
 * Theme colours for the drawings: read from VS Code's --vscode-* CSS variables at draw time (any CSS
 * colour syntax, resolved through a 1×1 canvas), and a watcher that fires when the theme changes
 * (VS Code swaps the body class and rewrites the variables on <html>).
 */

/** An opaque colour as 0–255 channels. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** The colours the views draw with, resolved for the current theme. */
export interface ThemePalette {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  background: Rgb;
  foreground: Rgb;
  muted: Rgb;
  border: Rgb;
  focus: Rgb;
  /** States below zero. */
  negative: Rgb;
  /** States above zero. */
  positive: Rgb;
  /** Gate activations (0…1). */
  gate: Rgb;
  /** The selected unit's line. */
  accent: Rgb;
  /** Unknown tokens. */
  warning: Rgb;
  /** One colour per class (cycled). */
  classes: Rgb[];
  /** CSS font for canvas text. */
  font: string;
  monoFont: string;
  /** True in high-contrast themes: draw outlines instead of relying on fills. */
  highContrast: boolean;
}

let probe: CanvasRenderingContext2D | null = null;

/** Resolves any CSS colour to opaque RGB, composited over `over` when it is translucent; undefined when it does not parse. */
export function parseColor(value: string, over?: Rgb): Rgb | undefined {
  const text = value.trim();
  if (!text) return undefined;
  if (!probe) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    probe = canvas.getContext('2d', { willReadFrequently: true });
  }
  if (!probe) return undefined;
  // An unparsable colour is ignored by the assignment: then two different sentinels survive it.
  probe.fillStyle = '#000000';
  probe.fillStyle = text;
  const first = probe.fillStyle;
  probe.fillStyle = '#ffffff';
  probe.fillStyle = text;
  if (probe.fillStyle !== first) return undefined;
  probe.clearRect(0, 0, 1, 1);
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
  if (a === 0 && !over) return undefined;
  return composite(r, g, b, a, over);
}

function composite(r: number, g: number, b: number, a: number, over: Rgb | undefined): Rgb {
  if (a === 255 || !over) return { r, g, b };
  const t = a / 255;
  return { r: Math.round(r * t + over.r * (1 - t)), g: Math.round(g * t + over.g * (1 - t)), b: Math.round(b * t + over.b * (1 - t)) };
}

/** Reads a --vscode-* variable from the body (VS Code defines them on <html>; they inherit). */
export function cssVar(name: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim();
}

/** The first of the variables that resolves to a colour, else the fallback. */
function pick(names: string[], fallback: string, over?: Rgb): Rgb {
  for (const name of names) {
    const c = parseColor(cssVar(name), over);
    if (c) return c;
  }
  return parseColor(fallback, over) ?? { r: 128, g: 128, b: 128 };
}

/** The theme kind from the body class VS Code sets. */
export function themeKind(): ThemePalette['kind'] {
  const list = document.body.classList;
  if (list.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (list.contains('vscode-high-contrast')) return 'high-contrast';
  if (list.contains('vscode-light')) return 'light';
  return 'dark';
}

/** Reads the palette for the current theme; `surface` is what the view sits on (an editor tab or the side bar). */
export function readPalette(surface: 'editor' | 'sideBar' = 'editor'): ThemePalette {
  const kind = themeKind();
  const light = kind === 'light' || kind === 'high-contrast-light';
  const highContrast = kind.startsWith('high-contrast');
  const surfaces = surface === 'sideBar' ? ['--vscode-sideBar-background', '--vscode-editor-background'] : ['--vscode-editor-background'];
  const background = pick(surfaces, light ? '#ffffff' : '#1e1e1e');
  const foreground = pick(['--vscode-editor-foreground', '--vscode-foreground'], light ? '#333333' : '#cccccc', background);
  const border = highContrast
    ? pick(['--vscode-contrastBorder', '--vscode-panel-border'], light ? '#0f4a85' : '#6fc3df', background)
    : pick(['--vscode-panel-border', '--vscode-widget-border', '--vscode-editorWidget-border'], light ? '#d4d4d4' : '#454545', background);
  const family = cssVar('--vscode-font-family') || 'system-ui, sans-serif';
  const mono = cssVar('--vscode-editor-font-family') || 'monospace';
  return {
    kind,
    background,
    foreground,
    muted: pick(['--vscode-descriptionForeground'], light ? '#717171' : '#9d9d9d', background),
    border,
    focus: pick(['--vscode-focusBorder'], light ? '#0090f1' : '#007fd4', background),
    negative: pick(['--vscode-charts-blue'], light ? '#1a85ff' : '#3794ff', background),
    positive: pick(['--vscode-charts-orange'], light ? '#d18616' : '#d18616', background),
    gate: pick(['--vscode-charts-purple'], light ? '#652d90' : '#b180d7', background),
    accent: pick(['--vscode-charts-green', '--vscode-textLink-foreground'], light ? '#388a34' : '#89d185', background),
    warning: pick(['--vscode-editorWarning-foreground', '--vscode-charts-yellow'], light ? '#bf8803' : '#cca700', background),
    classes: ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'].map((v, i) =>
      pick([v], ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i], background),
    ),
    font: `11px ${family}`,
    monoFont: `11px ${mono}`,
    highContrast,
  };
}

/** CSS text for a colour. */
export function css(c: Rgb, alpha = 1): string {
  return alpha >= 1 ? `rgb(${c.r}, ${c.g}, ${c.b})` : `rgba(${c.r}, ${c.g}, ${c.b}, ${alpha})`;
}

/** Linear mix of two colours, t = 0 → a, t = 1 → b. */
export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return { r: Math.round(a.r + (b.r - a.r) * t), g: Math.round(a.g + (b.g - a.g) * t), b: Math.round(a.b + (b.b - a.b) * t) };
}

/** Calls `onChange` (once per animation frame at most) when the theme changes: body class or the variables on <html>. */
export function watchTheme(onChange: () => void): () => void {
  let queued = false;
  const fire = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      onChange();
    });
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
