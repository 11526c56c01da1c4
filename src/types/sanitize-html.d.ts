// sanitize-html ships no type declarations; this covers the part of its API the gateway uses
// (src/xmpp/shared/sanitize.ts).
declare module 'sanitize-html' {
  namespace sanitizeHtml {
    interface Frame {
      tag: string;
      attribs: Record<string, string | undefined>;
      text: string;
    }
    interface IOptions {
      allowedTags?: string[];
      allowedAttributes?: Record<string, string[]>;
      allowedSchemes?: string[];
      allowedSchemesByTag?: Record<string, string[]>;
      allowedSchemesAppliedToAttributes?: string[];
      allowProtocolRelative?: boolean;
      disallowedTagsMode?: 'discard' | 'escape' | 'recursiveEscape';
      nonTextTags?: string[];
      selfClosing?: string[];
      exclusiveFilter?: (frame: Frame) => boolean;
    }
  }
  function sanitizeHtml(dirty: string, options?: sanitizeHtml.IOptions): string;
  export default sanitizeHtml;
}
