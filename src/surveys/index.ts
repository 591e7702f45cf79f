// Surveys offer nothing to other features yet; playbooks start surveys through the survey step.
export {};
