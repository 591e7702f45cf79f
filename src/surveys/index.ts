// What other features may use of surveys: send one (the inbox asks for CSAT after a resolution;
// playbooks send them through the survey step surveys contribute).
export { sendSurvey, type SendSurveyInput, type SendSurveyResult } from './surveys.service.js';
