// ESLint with type information: typescript-eslint's type-checked presets over tsconfig.json's files.
// Formatting belongs to Prettier (.prettierrc.json); eslint-config-prettier turns off the rules it owns.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/.work/', 'eval/.work/', 'test/.tmp/', 'out/', '.candor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks what a destructuring leaves out on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // An async signature is an API promise callers rely on, even while the body does not await yet.
      '@typescript-eslint/require-await': 'warn',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
  prettier,
  // After Prettier's preset, which turns it off: Prettier wraps code at 120 but not long strings or patterns.
  { rules: { 'max-len': ['error', { code: 120, ignoreUrls: true }] } },
);
