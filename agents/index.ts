// Registers every built-in agent once, on first import.
import './dynamic-programming.js';
import './q-learning.js';
import './sarsa.js';
import './expected-sarsa.js';
import './ppo.js';
import './a2c.js';
import './dqn.js';
import './reinforce.js';
import './ddpg.js';
import './bandit-epsilon-greedy.js';
import './bandit-ucb.js';
import './bandit-thompson.js';
import './bandit-gradient.js';
import './monte-carlo.js';
import './n-step-sarsa.js';
import './sarsa-lambda.js';
import './q-lambda.js';
