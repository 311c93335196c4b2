export { doctor } from './commands/doctor.js';
