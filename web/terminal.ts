// One xterm.js terminal as the page uses it: WebGL renderer where the browser gives a
// hardware-accelerated WebGL2 context (DOM renderer otherwise — a software rasteriser such as
// SwiftShader costs more CPU than the DOM — and after a lost context), optional fit-to-container, and the
// copy/paste keys users expect from a terminal emulator:
//   copy:  Ctrl+Shift+C, Cmd+C, or Ctrl+C while text is selected (without a selection Ctrl+C is ^C
//          for the guest); selecting with the mouse and the browser's context menu work too.
//   paste: Ctrl+Shift+V, Cmd+V, Ctrl+V, Shift+Insert or the context menu; xterm turns the pasted
//          text into input (line ends as CR, bracketed paste if the guest enabled it).
import { Terminal, type ITerminalOptions } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";

export type Renderer = "webgl" | "dom";

export interface PageTerminal {
  readonly term: Terminal;
  renderer: Renderer;
  /** Resize to the container (fit terminals) or rescale the font so the fixed grid fits (others). */
  fit(): void;
  dispose(): void;
}

/** A terminal's text, one string per line, trailing blank lines dropped (tests and views read it). */
export function terminalText(term: Terminal): string {
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? "");
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines.join("\n");
}

export interface PageTerminalOptions {
  /** Fixed grid (VGA text: 80×25); without it the terminal fits its container. */
  fixed?: { cols: number; rows: number };
  /** Colours (default: a dark theme with xterm's ANSI palette). */
  theme?: ITerminalOptions["theme"];
  /** Input typed or pasted into the terminal. */
  onInput(data: string): void;
}

const THEME = { background: "#101418", foreground: "#d8dee4", cursor: "#d8dee4", selectionBackground: "#3a5068" };

/**
 * The 16 CGA/VGA text colours (IBM VGA Technical Reference, default palette) under the ANSI
 * names src/devices/vga-text.ts maps them to (brown is ANSI yellow).
 */
export const VGA_THEME = {
  background: "#000000",
  foreground: "#aaaaaa",
  cursor: "#aaaaaa",
  selectionBackground: "#3a5068",
  black: "#000000",
  blue: "#0000aa",
  green: "#00aa00",
  cyan: "#00aaaa",
  red: "#aa0000",
  magenta: "#aa00aa",
  yellow: "#aa5500",
  white: "#aaaaaa",
  brightBlack: "#555555",
  brightBlue: "#5555ff",
  brightGreen: "#55ff55",
  brightCyan: "#55ffff",
  brightRed: "#ff5555",
  brightMagenta: "#ff55ff",
  brightYellow: "#ffff55",
  brightWhite: "#ffffff",
};

let webglVerdict: boolean | null = null;

/** A WebGL2 context exists and is not a software rasteriser; `?renderer=webgl|dom` in the page URL overrides. */
export function hardwareWebgl(): boolean {
  if (webglVerdict !== null) return webglVerdict;
  webglVerdict = false;
  const forced = new URLSearchParams(location.search).get("renderer");
  if (forced === "dom") return webglVerdict;
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    if (gl && forced === "webgl") webglVerdict = true;
    else if (gl) {
      const info = gl.getExtension("WEBGL_debug_renderer_info");
      const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
      webglVerdict = !/swiftshader|llvmpipe|software|basic render/i.test(renderer);
      gl.getExtension("WEBGL_lose_context")?.loseContext();
    }
  } catch {
    webglVerdict = false;
  }
  return webglVerdict;
}

/** Handle the copy keys here; let the browser's paste event reach xterm for the paste keys. */
function clipboardKeys(term: Terminal): (ev: KeyboardEvent) => boolean {
  return (ev) => {
    if (ev.type !== "keydown") return true;
    const key = ev.key.toLowerCase();
    const mac = ev.metaKey && !ev.ctrlKey;
    const copy = (key === "c" && ((ev.ctrlKey && ev.shiftKey) || mac)) || (key === "c" && ev.ctrlKey && !ev.shiftKey && term.hasSelection());
    if (copy) {
      const text = term.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => document.execCommand("copy"));
      ev.preventDefault();
      return false;
    }
    const paste = key === "v" && (ev.ctrlKey || mac);
    if (paste) return false; // no ^V to the guest; the browser fires a paste event xterm reads
    return true;
  };
}

export function createTerminal(container: HTMLElement, opts: PageTerminalOptions): PageTerminal {
  const base: ITerminalOptions = {
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
    fontSize: 14,
    theme: opts.theme ?? THEME,
    scrollback: opts.fixed ? 0 : 5000,
    convertEol: false,
    allowProposedApi: false,
  };
  const term = new Terminal(opts.fixed ? { ...base, cols: opts.fixed.cols, rows: opts.fixed.rows } : base);
  const fitAddon = new FitAddon();
  if (!opts.fixed) term.loadAddon(fitAddon);
  term.open(container);
  term.attachCustomKeyEventHandler(clipboardKeys(term));
  const inputSub = term.onData((d) => opts.onInput(d));
  const binarySub = term.onBinary((d) => opts.onInput(d));

  let disposed = false;
  const pt: PageTerminal = {
    term,
    renderer: "dom",
    fit() {
      if (!container.isConnected || container.clientWidth === 0) return;
      if (!opts.fixed) {
        fitAddon.fit();
        return;
      }
      // keep the whole fixed grid visible: the font follows the container's width
      const size = Math.max(8, Math.min(16, Math.floor(container.clientWidth / opts.fixed.cols / 0.62)));
      if (term.options.fontSize !== size) term.options.fontSize = size;
    },
    dispose() {
      disposed = true;
      observer.disconnect();
      inputSub.dispose();
      binarySub.dispose();
      term.dispose();
    },
  };
  container.dataset.renderer = pt.renderer;
  if (hardwareWebgl()) {
    void import("@xterm/addon-webgl")
      .then(({ WebglAddon }) => {
        if (disposed) return;
        const webgl = new WebglAddon();
        webgl.onContextLoss(() => {
          webgl.dispose(); // xterm goes back to its DOM renderer
          pt.renderer = "dom";
          container.dataset.renderer = "dom";
        });
        term.loadAddon(webgl);
        pt.renderer = "webgl";
        container.dataset.renderer = "webgl";
      })
      .catch(() => {}); // stays on the DOM renderer
  }
  const observer = new ResizeObserver(() => pt.fit());
  observer.observe(container);
  pt.fit();
  return pt;
}
