// What other features may use of tasks: createTask is the one way to make a task; updateOpenTask
// keeps an open task's text current; insertPastTasks writes tasks that already exist (the demo's
// past), announcing nothing.
export { createTask, insertPastTasks, updateOpenTask, type NewTask, type PastTask } from './tasks.service.js';
