// Lint rules: typescript-eslint's type-aware recommended set, with Prettier
// owning the formatting (eslint-config-prettier switches off the rules it covers),
// and the course's layering as import rules (see LAYERING below).
// Read next: lab/layering.test.ts, which proves each layering rule on wrong and right imports.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------
// The layering. shared/ is the ground; each stage stands on it alone; lab/ runs
// the stages from outside. Imports are relative, so each rule is a regex over
// the specifier as written, anchored on how many "../" it takes to leave the
// importing file's folder. That is why the objects below are per folder depth.
//
// Flat config REPLACES an earlier object's `no-restricted-imports` with a later
// one's for the same file (options are not merged), so the objects go from
// general to specific and each one lists the complete set for its files.
// ---------------------------------------------------------------------------

const STAGES = ['01-plain-http', '02-http-sse', '03-streamable-http'];
const STAGE_03 = '03-streamable-http';
const EXT = '{ts,mts,cts,js,mjs,cjs}';

/** The rules, in the words the lint errors use; lab/layering.test.ts matches on them. */
const LAYERING = {
  shared:
    'Layering: nothing in shared/ imports a stage (01-plain-http/, 02-http-sse/, 03-streamable-http/) or lab/; shared/ is the ground every stage stands on.',
  stage:
    'Layering: a stage imports only shared/ and its own folder, never another stage (nor anything else outside its folder).',
  scaleOut:
    'Layering: in stage 03 nothing outside scale-out/ imports from scale-out/ (the base server imports no Redis code), except the tests and the demo.',
  lab: "Layering: nothing outside lab/ imports lab/ library code, except a stage's demo.ts, scale-out/cluster.ts, the stages' tests and docs/*.test.ts.",
};

/** `^(\.\./){depth}`: the specifier leaves a folder `depth` levels below the repository root. */
const up = (depth) => `^(\\.\\./){${depth}}`;

const restrictions = {
  shared: {
    regex: `^(\\.\\./)+(${STAGES.join('|')}|lab)(/|$)`,
    message: LAYERING.shared,
  },
  // From a stage file `depth` levels down, "../" x depth reaches the root: only shared/ may follow
  // (lab/ is the lab rule's, so that an import breaks exactly one rule and says which).
  stage: (depth) => ({ regex: `${up(depth)}(?!(shared|lab)(/|$))`, message: LAYERING.stage }),
  labFromStage: (depth) => ({ regex: `${up(depth)}lab(/|$)`, message: LAYERING.lab }),
  // From stage 03's own files: "./scale-out" at the top, "../scale-out" one folder down.
  scaleOut: (depth) => ({
    regex: `${depth === 1 ? '^\\./' : up(depth - 1)}scale-out(/|$)`,
    message: LAYERING.scaleOut,
  }),
  labFromOutside: { regex: '^(\\./|(\\.\\./)+)lab(/|$)', message: LAYERING.lab },
};

const restrict = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

/** The files at `depth` levels inside each stage, as globs. */
const atDepth = (stage, depth) => [depth === 1 ? `${stage}/*.${EXT}` : `${stage}/*/*.${EXT}`];

const layering = [
  // Everything outside lab/ (the root's files, docs/) leaves lab/ alone.
  { files: [`**/*.${EXT}`], ignores: ['lab/**'], rules: restrict(restrictions.labFromOutside) },
  { files: [`shared/**/*.${EXT}`], rules: restrict(restrictions.shared) },
  // A stage's own files, one folder level at a time; stage 03's also keep out of scale-out/.
  ...STAGES.flatMap((stage) =>
    [1, 2].map((depth) => ({
      files: atDepth(stage, depth),
      rules: restrict(
        restrictions.stage(depth),
        restrictions.labFromStage(depth),
        ...(stage === STAGE_03 ? [restrictions.scaleOut(depth)] : []),
      ),
    })),
  ),
  // Inside scale-out/, scale-out/ is its own folder.
  {
    files: [`${STAGE_03}/scale-out/*.${EXT}`],
    rules: restrict(restrictions.stage(2), restrictions.labFromStage(2)),
  },
  // The demos and the tests drive a stage from outside, so they may use lab/ (and stage 03's
  // may wire in scale-out/); they still import no other stage.
  {
    files: STAGES.flatMap((stage) => [`${stage}/demo.ts`, `${stage}/*.test.ts`]),
    rules: restrict(restrictions.stage(1)),
  },
  {
    files: [...STAGES.map((stage) => `${stage}/*/*.test.ts`), `${STAGE_03}/scale-out/cluster.ts`],
    rules: restrict(restrictions.stage(2)),
  },
  // The docs' tests check the documentation site, which the lab helps build.
  { files: ['docs/*.test.ts'], rules: { 'no-restricted-imports': 'off' } },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'docs-site/', 'test-results/', 'coverage/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // An AbortSignal's reason is `unknown` by design; passing it on as-is is correct.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
  ...layering,
  prettier,
);
