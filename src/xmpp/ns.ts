// Every XML namespace the gateway speaks, in one place.
export const NS = {
  client: 'jabber:client',
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  roster: 'jabber:iq:roster',
  caps: 'http://jabber.org/protocol/caps',
  chatstates: 'http://jabber.org/protocol/chatstates',
  receipts: 'urn:xmpp:receipts',
  correct: 'urn:xmpp:message-correct:0',
  delay: 'urn:xmpp:delay',
  xhtmlIm: 'http://jabber.org/protocol/xhtml-im',
  xhtml: 'http://www.w3.org/1999/xhtml',
  carbons: 'urn:xmpp:carbons:2',
  forward: 'urn:xmpp:forward:0',
  discoInfo: 'http://jabber.org/protocol/disco#info',
  discoItems: 'http://jabber.org/protocol/disco#items',
  ping: 'urn:xmpp:ping',
  nick: 'http://jabber.org/protocol/nick',
  mamTmp: 'urn:xmpp:mam:tmp',
  stanzaId: 'urn:xmpp:sid:0',
  xoob: 'jabber:x:oob',
  ioob: 'jabber:iq:oob',
  data: 'jabber:x:data',
  rsm: 'http://jabber.org/protocol/rsm',
} as const;

export const CHAT_STATES = ['active', 'composing', 'paused', 'inactive', 'gone'] as const;
