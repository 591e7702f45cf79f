// What other features may use of tasks: createTask is the one way to make a task; insertPastTasks
// writes tasks that already exist (the demo's past), announcing nothing.
export { createTask, insertPastTasks, type NewTask, type PastTask } from './tasks.service.js';
