package stack

import "syscall"

// childAttr makes the kernel kill a child process when devstack dies, so that
// no redis-server outlives a crashed or killed devstack.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
