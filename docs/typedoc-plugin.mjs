/**
 * The docs site's one typedoc plugin: headings keep their inline code in the
 * page's "On This Page" navigation and in their anchors.
 *
 * Teaches: why a heading such as "resume with `Last-Event-ID`" showed up in
 * the navigation as "resume with". Typedoc 0.28 reads a Markdown heading's
 * text for the navigation (and for its anchor) with `getTokenTextContent`,
 * which keeps `text` tokens, descends into a token's `children`, and drops
 * everything else, `code_inline` included. So this plugin gives every inline
 * code span inside a heading one child, a `text` token with the same content:
 * typedoc then reads the code as text, while markdown-it still renders the
 * span from its own `content`, as `<code>`, exactly as before.
 * Implements: no spec; typedoc's `markdownItLoader` option, set once typedoc
 * has read its configuration (earlier, `typedoc.json` would reset it).
 * Read next: ../typedoc.json, which loads this plugin; docs-site.test.ts, which checks it.
 * @module
 */
import { Application } from 'typedoc';

/**
 * A markdown-it core rule: every `code_inline` token in a heading gets a
 * `text` child holding its code, for typedoc's heading text to find.
 * @param {{ tokens: Array<{ type: string; content: string; children: unknown[] | null }>; Token: new (type: string, tag: string, nesting: number) => { content: string } }} state
 */
function codeSpansInHeadingsAsText(state) {
  state.tokens.forEach((token, index) => {
    if (token.type !== 'heading_open') return;
    for (const child of state.tokens[index + 1]?.children ?? []) {
      if (child.type !== 'code_inline') continue;
      const text = new state.Token('text', '', 0);
      text.content = child.content;
      child.children = [text];
    }
  });
}

/**
 * Typedoc's plugin entry point.
 * @param {Application} app
 */
export function load(app) {
  app.on(Application.EVENT_BOOTSTRAP_END, () => {
    const loadBefore = app.options.getValue('markdownItLoader');
    app.options.setValue('markdownItLoader', (parser) => {
      loadBefore(parser);
      parser.core.ruler.after(
        'inline',
        'code-spans-in-headings-as-text',
        codeSpansInHeadingsAsText,
      );
    });
  });
}
