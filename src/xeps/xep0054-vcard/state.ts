// The session's own photo hash (XEP-0153 §3.1), kept where the vCard area learns it (vcard/set, and
// vcard/get of the own vCard) and read where presence is built (core-presence). Worker side only.
import type { XmppContext } from '../../xmpp/context.js';

export const VCARD_AREA = 'xep0054-vcard';

export interface VcardState {
  /** SHA-1 (hex) of the own vCard photo; "" when it has none; undefined until the gateway knows. */
  photoHash?: string;
}

export const vcardState = (ctx: XmppContext): VcardState => ctx.state<VcardState>(VCARD_AREA, () => ({}));
