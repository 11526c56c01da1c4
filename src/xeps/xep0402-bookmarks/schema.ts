// XEP-0402 bookmarks: the JSON shapes of the actions and of the notifications.
import { Type } from '@sinclair/typebox';
import { Body, JidObject, JidString } from '../../schemas/common.js';

const Name = () => Type.String({ minLength: 1, maxLength: 1024, description: 'A friendly name for the room' });
const Nick = () => Type.String({ minLength: 1, maxLength: 1023, description: 'Your preferred nickname in the room' });
const Password = () => Type.String({ minLength: 1, maxLength: 1024, description: 'The room password (stored unencrypted on your server)' });

export const Bookmark = Type.Object(
  {
    room: JidObject,
    name: Type.Optional(Name()),
    autojoin: Type.Boolean({ description: 'Join the room when logging in (false when the bookmark does not say)' }),
    nick: Type.Optional(Nick()),
    password: Type.Optional(Password()),
  },
  { description: 'A bookmarked room (XEP-0402 §2: an item of urn:xmpp:bookmarks:1, its id the room JID)' },
);

export const ListBody = Body({}, { examples: [{}] });
export const ListResult = Type.Array(Bookmark, {
  description: 'Every bookmark, in the order the server keeps them',
  examples: [
    [{ room: { user: 'theplay', domain: 'conference.shakespeare.lit' }, name: 'The Play’s the Thing', autojoin: true, nick: 'JC' }],
  ],
});

export const AddBody = Body(
  {
    room: JidString('The room’s bare JID (the item id)'),
    name: Type.Optional(Name()),
    autojoin: Type.Optional(Type.Boolean({ description: 'Join the room when logging in (default false)' })),
    nick: Type.Optional(Nick()),
    password: Type.Optional(Password()),
  },
  { examples: [{ room: 'theplay@conference.shakespeare.lit', name: 'The Play’s the Thing', autojoin: true, nick: 'JC' }] },
);

export const RemoveBody = Body(
  { room: JidString('The room’s bare JID (the item id)') },
  { examples: [{ room: 'theplay@conference.shakespeare.lit' }] },
);

export const PushEvent = { ...Bookmark, description: 'A bookmark was added or changed (by any resource of the account, XEP-0402 §3.2)' };
export const RetractEvent = Type.Object(
  { room: JidObject },
  { description: 'A bookmark was removed (by any resource of the account, XEP-0402 §3.3)' },
);
