// What other features may use of playbooks.
export { installReadyMade } from './playbooks.library.js';
export { listPlaybooks, setPlaybookEnabled } from './playbooks.service.js';
export type { PlaybookActionRunner, PlaybookStep, StepOutcome } from './playbooks.actions.js';
export { renderEmail, TemplateError } from './playbooks.templates.js';
export { emitPlaybookEvent, emitPlaybookEvents, type PlaybookEvent } from './playbooks.events.js';
export type { CustomerVariables } from './playbooks.actions.js';
export type { PlaybookTriggerDef } from './playbooks.triggers.js';
