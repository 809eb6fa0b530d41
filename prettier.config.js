// One formatter for the code (TypeScript, JavaScript, JSON, the action's and workflows' YAML).
// These settings are the code's current style; printWidth 210 is the width at which formatting
// the codebase changes the fewest lines (measured with .prettierignore: lines added + removed at 180: 3435, 200: 3028, 210: 2912, 220: 2928).
/** @type {import('prettier').Config} */
export default {
  singleQuote: true,
  trailingComma: 'none',
  arrowParens: 'avoid',
  printWidth: 210
};
