// Types of terminal-256.mjs (for the test that compares its output with the committed stylesheet).
export function palette256(): string[];
export function terminal256Css(): string;
