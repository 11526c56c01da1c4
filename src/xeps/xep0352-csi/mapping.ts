// XEP-0352 §5: <active xmlns='urn:xmpp:csi:0'/> and <inactive xmlns='urn:xmpp:csi:0'/>, top-level on the stream.
import { define } from '../../xmpp/mapping-kit.js';
import { NS } from '../../xmpp/ns.js';

export const active = define<object>('active', NS.csi, {});
export const inactive = define<object>('inactive', NS.csi, {});
