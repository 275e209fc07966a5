// Every service a process's I/O thread serves itself: importing a module defines its service.
import './io_info';
import './process_service';
import './sockets';
