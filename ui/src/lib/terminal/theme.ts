// The terminal's font and colours. xterm.js would publish them in <style> elements it creates at run time,
// which the window's CSP (`style-src 'self'`) refuses; terminal.css carries the same rules as a stylesheet of
// the bundle instead, and a test keeps the two in step.

export const THEME = {
  fontFamily: '"DejaVu Sans Mono", "Liberation Mono", monospace',
  fontSize: 13,
  colors: {
    foreground: "#d4d4d4",
    background: "#1b1d21",
    cursor: "#d4d4d4",
    cursorAccent: "#1b1d21",
    selectionBackground: "#3a5d8f",
    black: "#1b1d21",
    red: "#e06c75",
    green: "#98c379",
    yellow: "#e5c07b",
    blue: "#61afef",
    magenta: "#c678dd",
    cyan: "#56b6c2",
    white: "#d4d4d4",
    brightBlack: "#6b7280",
    brightRed: "#ef8891",
    brightGreen: "#b5e08f",
    brightYellow: "#f0d197",
    brightBlue: "#85c3f7",
    brightMagenta: "#d89bea",
    brightCyan: "#7fd0da",
    brightWhite: "#ffffff",
  },
} as const;

/** The 16 ANSI colours in their index order (`.xterm-fg-N`, `.xterm-bg-N`). */
export const ANSI: readonly string[] = [
  THEME.colors.black,
  THEME.colors.red,
  THEME.colors.green,
  THEME.colors.yellow,
  THEME.colors.blue,
  THEME.colors.magenta,
  THEME.colors.cyan,
  THEME.colors.white,
  THEME.colors.brightBlack,
  THEME.colors.brightRed,
  THEME.colors.brightGreen,
  THEME.colors.brightYellow,
  THEME.colors.brightBlue,
  THEME.colors.brightMagenta,
  THEME.colors.brightCyan,
  THEME.colors.brightWhite,
];
