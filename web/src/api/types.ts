// Names for the shapes of Gantry's API, taken from the generated OpenAPI types
// (`schema.d.ts`, made by `npm run api:types`). Only `components` is used: the document's
// `paths` share operation ids between routes, which openapi-typescript cannot tell apart.
import type { components } from './schema'

type Schemas = components['schemas']

export type User = Schemas['User']
export type SetupStatus = Schemas['SetupStatus']
export type NewAccountRequest = Schemas['NewAccountRequest']
export type LoginRequest = Schemas['LoginRequest']
export type Conversation = Schemas['Conversation']
export type ConversationUpdate = Schemas['ConversationUpdate']
export type NewConversationRequest = Schemas['NewConversationRequest']
export type ConversationWithMessages = Schemas['ConversationWithMessages']
export type Message = Schemas['Message']
export type MessageStatus = Schemas['MessageStatus']
export type SendRequest = Schemas['SendRequest']
export type Citation = Schemas['CitedSource']
export type ContextTimings = Schemas['AnswerTimings']
export type ErrorBody = Schemas['ErrorBody']
export type ErrorDetail = Schemas['ErrorDetail']
export type SearchResults = Schemas['SearchResults']
export type ModelList = Schemas['ModelList']
export type ModelView = Schemas['ModelView']
export type Persona = Schemas['Persona']
export type Stopped = Schemas['Stopped']
export type VaultDocument = Schemas['Document']
export type DocumentStatus = Schemas['DocumentStatus']
export type ChunkMatch = Schemas['ChunkMatch']
export type PassageSearch = Schemas['PassageSearch']
export type ApiKey = Schemas['ApiKey']
export type NewKeyView = Schemas['NewKeyView']
export type ChangePasswordRequest = Schemas['ChangePasswordRequest']
export type MemoryView = Schemas['MemoryView']
export type MemoryEntity = Schemas['Entity']
export type MemoryFact = Schemas['Fact']

/** A page of a list: `next` is the cursor of the following page, absent at the end. */
export interface Page<T> {
  items: T[]
  next?: string | null
}

/** The kinds of source a citation points at. */
export type CitationKind = Schemas['SourceKind']

/**
 * One event of a streamed answer (the `data:` of a server-sent event). The OpenAPI
 * document does not describe the stream, so these follow the server's `StreamEvent`.
 */
export type StreamEvent =
  | { type: 'context'; citations: Citation[]; timings: ContextTimings | null }
  | { type: 'token'; text: string }
  | { type: 'done'; message: Message }
  | { type: 'error'; code: string; message: string }
