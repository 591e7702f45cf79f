// What other features may use of tasks: createTask is the one way to make a task.
export { createTask, type NewTask } from './tasks.service.js';
