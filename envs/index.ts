// Registers every built-in env once, on first import.
import { registerClassic } from './classic/index.js';
import { registerToyText } from './toy-text/index.js';
import { registerGames } from './games/index.js';
import { registerCarRacing } from './car-racing/index.js';
import { registerBandits } from './bandits/index.js';
import { registerMujoco } from './mujoco/index.js';

registerClassic();
registerToyText();
registerGames();
registerCarRacing();
registerBandits();
registerMujoco();
