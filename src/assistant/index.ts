// What other features may use of the assistant: its knowledge base (an agent's reply saved as a
// new entry, a customer's question as a new phrasing) and what it makes of a message.
export { addPhrasing, createEntry, type Entry, type EntryInput, knowledge } from './assistant.kb.js';
export { answer, requestPerson, type AnswerResult, type ChatView } from './assistant.service.js';
export { detectTone, wantsPerson } from './tone.js';
