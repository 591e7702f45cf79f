// Analytics offers nothing to other features yet: they read its results through its routes.
export {};
