import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'build/', 'coverage/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        fetch: 'readonly'
      },
      // Type information for the promise rules below (tsconfig.eslint.json = tsconfig.all.json + the plain .js/.mjs/.cjs files).
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error'
    }
  },
  {
    // CommonJS files (jest loads reporters with require).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    // plan/ is pure: decide*(facts, settings). AWS is read in aws/, effects live in steps/ and transfer/ (docs/architecture.md).
    // Types of what AWS described are plain data and may be imported; the context only as a type.
    files: ['src/plan/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../aws/*', '../aws'], allowTypeImports: true, message: 'plan/ decides from facts: read AWS in src/aws/ and pass the facts in.' },
            {
              group: ['../steps/*', '../steps', '../transfer/*', '../transfer', '../source', '../target', '../run', '../recover'],
              message: 'plan/ holds no effects: steps/ and transfer/ import plan/, never the reverse.'
            },
            { group: ['@aws-sdk/*'], message: 'plan/ sends no AWS calls: read AWS in src/aws/.' },
            { group: ['../kinds/*-api', '../kinds/api', '../kinds/resolve'], message: 'plan/ uses the kind profiles (data), not their API calls.' },
            { group: ['../context'], allowTypeImports: true, message: 'plan/ takes facts and settings, not the Context (report, state, clients).' }
          ]
        }
      ]
    }
  }
);
