// Every service the broker serves: importing a module defines its service.
import './broker_info';
import './sync';
import './shm';
import './queues';
import './pipes';
import './tree_directories';
