// Registers every built-in env once, on first import.
import { registerClassic } from './classic/index.js';
import { registerToyText } from './toy-text/index.js';

registerClassic();
registerToyText();
