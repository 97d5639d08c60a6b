// Registers every built-in scene (importing a scene module registers it).
import './acrobot.js';
import './car-racing.js';
import './cartpole.js';
import './connect-four.js';
import './cooperative-navigation.js';
import './fallback.js';
import './grid-world.js';
import './mountain-car.js';
import './mujoco.js';
import './pendulum.js';
import './pong.js';
import './robot-soccer.js';
import './tic-tac-toe.js';

export { createScene, registerScene } from './registry.js';
export type { EnvScene, Readout, SceneCamera, SceneFactory } from './registry.js';
