//go:build !linux

package stack

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
