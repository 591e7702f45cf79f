// Recovery offers nothing to other features yet: apologies reach the timeline through customers.
export {};
