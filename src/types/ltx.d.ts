// ltx ships no type declarations; this covers the part of its API the gateway uses.
declare module 'ltx' {
  export type Node = Element | string;
  export class Element {
    constructor(name: string, attrs?: Record<string, string | undefined>);
    name: string;
    attrs: Record<string, string | undefined>;
    children: Node[];
    parent: Element | null;
    is(name: string, xmlns?: string): boolean;
    getName(): string;
    getNS(): string | undefined;
    getAttr(name: string): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildElements(): Element[];
    getText(): string;
    getChildText(name: string, xmlns?: string): string | null;
    c(name: string, attrs?: Record<string, string | undefined>): Element;
    cnode(child: Element): Element;
    append(...nodes: Node[]): Element;
    t(text: string): Element;
    up(): Element;
    root(): Element;
    text(): string;
    attr(name: string, value?: string): string | undefined;
    remove(el: Element | string, xmlns?: string): Element;
    toString(): string;
  }
  export function parse(xml: string): Element;
  export function createElement(
    name: string,
    attrs?: Record<string, string | undefined> | null,
    ...children: Array<Node | undefined | null | false>
  ): Element;
  export function escapeXML(s: string): string;
  export function escapeXMLText(s: string): string;
  export class Parser {
    constructor();
    write(data: string): void;
    end(data?: string): void;
    on(event: 'element' | 'error', fn: (arg: never) => void): void;
  }
}
