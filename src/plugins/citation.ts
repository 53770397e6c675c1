import { type Static, Type } from '@sinclair/typebox';

/** A passage as an answer cites it: `n` is the number the answer cites as `[n]`. */
export const Citation = Type.Object({
  n: Type.Integer(),
  documentId: Type.String(),
  documentName: Type.String(),
  chunkId: Type.String(),
  page: Type.Union([Type.Integer(), Type.Null()]),
  start: Type.Integer(),
  end: Type.Integer(),
  score: Type.Number(),
  text: Type.String(),
  /** Whether the answer cites `[n]`; passages retrieved but not cited are false. Set once the answer is complete. */
  cited: Type.Optional(Type.Boolean()),
  /** Document offsets of the sentences, tables or code the answer quotes from this passage. */
  /** The heading of the section the quote (or the passage) stands in, when the passage shows it. */
  section: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  quotes: Type.Optional(Type.Array(Type.Object({ start: Type.Integer(), end: Type.Integer() }))),
});
export type Citation = Static<typeof Citation>;
