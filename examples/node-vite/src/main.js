import { table } from './tip.js';

const list = document.querySelector('#tips');
for (const line of table(42, [10, 15, 20])) {
  const li = document.createElement('li');
  li.textContent = line;
  list.appendChild(li);
}
