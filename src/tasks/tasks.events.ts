// Events the tasks feature records (see platform/events).
declare module '../platform/events/events.service.js' {
  interface EventMap {
    'task.done': { taskId: string; customerId: string | null; userId: string | null };
  }
}
export {};
