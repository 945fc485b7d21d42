// tlslive: the live mode of tlskb's Go helper (`tlsreplay live MILLISECONDS`). The same tls.Server as the
// replayer (a zero tls.Config with one certificate and SessionTicketsDisabled, Go's defaults
// for everything else) serving real TCP connections on 127.0.0.1, so that a real client can
// run its whole handshake against it (generator/stacks/go/live.py is the only caller).
//
// Requests on stdin as in replay mode (4-byte big-endian length, payload; payload[0] names
// the operation, the rest is JSON or a port); every answer is one JSON line on stdout:
//
//	'V'                               -> as in replay mode, plus "alert_probe": bool
//	'L' + {"chain_pem","key_pem"}     -> {"ok":true,"port":N}     listen on 127.0.0.1:0
//	'R' + u32 port                    -> {"ok":true,"handshakes":[...],"pending":n,"full":bool}
//	'C' + u32 port                    -> {"ok":true}              stop accepting, end connections
//
// A handshake is {"end","version","cipher","alert","detail"}: end is completed, server_alert,
// client_alert, closed, timeout or error; version and cipher are Go's numbers (0 when not
// negotiated); alert is the alert's number (-1 for none). Each connection runs in its own
// goroutine with a deadline of liveTimeout; after a completed handshake the server sends
// close_notify (Conn.Close) and no application data.
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

const maxListeners = 256       // open at once per process
const maxConnsPerListener = 64 // then the listener stops accepting
const maxDetail = 300

// liveTimeout bounds one connection from accept to the end of its handshake; `tlsreplay live
// MILLISECONDS` sets it (live.py passes generator.net.live.HANDSHAKE_TIMEOUT).
var liveTimeout = handshakeTimeout

type liveHandshake struct {
	End     string `json:"end"`
	Version uint16 `json:"version"`
	Cipher  uint16 `json:"cipher"`
	Alert   int    `json:"alert"`
	Detail  string `json:"detail"`
}

type liveListener struct {
	listener net.Listener
	mu       sync.Mutex
	results  []*liveHandshake // in accept order; nil while in its handshake
	conns    map[net.Conn]bool
	full     bool
	closed   bool
	wg       sync.WaitGroup
}

var listeners = map[int]*liveListener{}

// sentAlert is the alert Go's server sent, read from Conn.out.err, where go1.19's
// sendAlertLocked (conn.go:814) keeps it as net.OpError{Op: "local error", Err: alert}. The
// handshake's own error often does not carry it (`c.sendAlert(x); return errors.New(...)`),
// and after a TLS 1.3 ServerHello the alert travels encrypted. Read-only; the field path is
// checked at start-up ('V': alert_probe) so that another Go release fails loudly.
func sentAlert(conn *tls.Conn) int {
	field := outErrField(conn)
	if !field.IsValid() {
		return -1
	}
	stored := reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Interface()
	err, _ := stored.(error)
	return alertOf(err, "local error")
}

func outErrField(conn *tls.Conn) reflect.Value {
	value := reflect.ValueOf(conn).Elem()
	out := value.FieldByName("out")
	if !out.IsValid() || out.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	field := out.FieldByName("err")
	if !field.IsValid() || field.Type() != reflect.TypeOf((*error)(nil)).Elem() {
		return reflect.Value{}
	}
	return field
}

// alertOf: the alert number in a net.OpError of operation op ("remote error": received from
// the client, conn.go:705; "local error": sent by the server), or -1.
func alertOf(err error, op string) int {
	var opErr *net.OpError
	if err == nil || !errors.As(err, &opErr) || opErr.Op != op || opErr.Err == nil {
		return -1
	}
	value := reflect.ValueOf(opErr.Err)
	if value.Kind() != reflect.Uint8 {
		return -1
	}
	return int(value.Uint())
}

func oneLine(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > maxDetail {
		text = text[:maxDetail]
	}
	return text
}

// sniffConn watches the client's records as they arrive and keeps the first plaintext alert:
// a client that rejects the certificate before it has switched to its handshake keys sends
// its TLS 1.3 alert unencrypted (observed, OpenSSL 3.0 s_client), which Go cannot read — it
// answers bad_record_mac (observed, go1.19.8) — yet it is the client's refusal.
type sniffConn struct {
	net.Conn
	header [5]byte
	have   int // bytes of the current header, or of the alert body
	left   int // bytes of the current record's body still to come
	alert  bool
	body   [2]byte
	seen   []byte // the first plaintext alert {level, description}, once seen
}

func (c *sniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for _, b := range p[:n] {
		if c.seen != nil {
			break
		}
		if c.left == 0 {
			c.header[c.have] = b
			c.have++
			if c.have == 5 {
				c.left = int(binary.BigEndian.Uint16(c.header[3:5]))
				c.alert = c.header[0] == 21 && c.left == 2
				c.have = 0
			}
			continue
		}
		if c.alert {
			c.body[c.have] = b
			c.have++
			if c.have == 2 {
				c.seen = []byte{c.body[0], c.body[1]}
			}
		}
		c.left--
		if c.left == 0 {
			c.have = 0
		}
	}
	return n, err
}

func serve(entry *liveListener, index int, raw net.Conn, config *tls.Config) {
	defer entry.wg.Done()
	sniffed := &sniffConn{Conn: raw}
	conn := tls.Server(sniffed, config)
	raw.SetDeadline(time.Now().Add(liveTimeout))
	err := conn.Handshake()
	state := conn.ConnectionState()
	result := &liveHandshake{Version: state.Version, Cipher: state.CipherSuite, Alert: -1}
	var netErr net.Error
	switch {
	case err == nil:
		result.End = "completed"
		conn.Close() // close_notify, then the socket (conn.go Close: 5 s write deadline)
	case alertOf(err, "remote error") >= 0:
		result.End, result.Alert = "client_alert", alertOf(err, "remote error")
	case sniffed.seen != nil && sniffed.seen[0] == 2:
		result.End, result.Alert = "client_alert", int(sniffed.seen[1])
	case sentAlert(conn) >= 0:
		result.End, result.Alert = "server_alert", sentAlert(conn)
	case errors.As(err, &netErr) && netErr.Timeout():
		result.End = "timeout"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed):
		result.End = "closed"
	default:
		result.End = "error"
	}
	if err != nil {
		result.Detail = oneLine(err.Error())
		if result.End == "client_alert" && alertOf(err, "remote error") < 0 {
			result.Detail = oneLine("a plaintext alert Go did not read; Go: " + err.Error())
		}
		raw.Close()
	}
	entry.mu.Lock()
	entry.results[index] = result
	delete(entry.conns, raw)
	entry.mu.Unlock()
}

func accept(entry *liveListener, config *tls.Config) {
	for {
		raw, err := entry.listener.Accept()
		if err != nil {
			return // closed
		}
		entry.mu.Lock()
		if entry.closed {
			entry.mu.Unlock()
			raw.Close()
			return
		}
		index := len(entry.results)
		entry.results = append(entry.results, nil)
		entry.conns[raw] = true
		entry.wg.Add(1)
		full := len(entry.results) >= maxConnsPerListener
		entry.full = full
		entry.mu.Unlock()
		go serve(entry, index, raw, config)
		if full {
			entry.listener.Close()
			return
		}
	}
}

func listen(payload []byte) map[string]any {
	var req struct {
		ChainPEM string `json:"chain_pem"`
		KeyPEM   string `json:"key_pem"`
	}
	if err := json.Unmarshal(payload, &req); err != nil {
		return map[string]any{"ok": false, "error": "bad listen request: " + err.Error()}
	}
	if len(listeners) >= maxListeners {
		return map[string]any{"ok": false, "error": fmt.Sprintf("%d listeners are open; close some", maxListeners)}
	}
	cert, err := tls.X509KeyPair([]byte(req.ChainPEM), []byte(req.KeyPEM))
	if err != nil {
		return map[string]any{"ok": false, "error": "X509KeyPair: " + err.Error()}
	}
	// exactly the replayer's server (tlsreplay.go loadKey)
	config := &tls.Config{Certificates: []tls.Certificate{cert}, SessionTicketsDisabled: true}
	listener, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return map[string]any{"ok": false, "error": "listen: " + err.Error()}
	}
	port := listener.Addr().(*net.TCPAddr).Port
	entry := &liveListener{listener: listener, conns: map[net.Conn]bool{}}
	listeners[port] = entry
	go accept(entry, config)
	return map[string]any{"ok": true, "port": port}
}

func portOf(payload []byte) (int, *liveListener, map[string]any) {
	if len(payload) != 4 {
		return 0, nil, map[string]any{"ok": false, "error": "bad request: want a 4-byte port"}
	}
	port := int(binary.BigEndian.Uint32(payload))
	entry, ok := listeners[port]
	if !ok {
		return 0, nil, map[string]any{"ok": false, "error": fmt.Sprintf("no listener on port %d", port)}
	}
	return port, entry, nil
}

func results(payload []byte) map[string]any {
	_, entry, problem := portOf(payload)
	if problem != nil {
		return problem
	}
	entry.mu.Lock()
	defer entry.mu.Unlock()
	done := []*liveHandshake{}
	pending := 0
	for _, result := range entry.results {
		if result == nil {
			pending++ // later ones wait: the answer keeps accept order
			continue
		}
		if pending == 0 {
			done = append(done, result)
		}
	}
	return map[string]any{"ok": true, "handshakes": done, "pending": pending, "full": entry.full}
}

func closeListener(payload []byte) map[string]any {
	port, entry, problem := portOf(payload)
	if problem != nil {
		return problem
	}
	entry.mu.Lock()
	entry.closed = true
	for conn := range entry.conns {
		conn.Close()
	}
	entry.mu.Unlock()
	entry.listener.Close()
	delete(listeners, port)
	return map[string]any{"ok": true}
}

func liveMain(timeout string) {
	if ms, err := strconv.Atoi(timeout); err == nil && ms > 0 && ms <= 600000 {
		liveTimeout = time.Duration(ms) * time.Millisecond
	} else {
		fmt.Fprintf(os.Stderr, "tlsreplay live: bad handshake timeout %q (milliseconds, 1-600000)\n", timeout)
		os.Exit(2)
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	var header [4]byte
	for {
		if _, err := io.ReadFull(in, header[:]); err != nil {
			return // stdin closed: the caller is gone, so are the listeners
		}
		n := binary.BigEndian.Uint32(header[:])
		if n == 0 || n > maxRequest {
			writeJSON(out, map[string]any{"ok": false, "error": fmt.Sprintf("bad request length %d", n)})
			return
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(in, payload); err != nil {
			return
		}
		switch payload[0] {
		case 'V':
			info := versionInfo()
			info["alert_probe"] = outErrField(&tls.Conn{}).IsValid()
			writeJSON(out, info)
		case 'L':
			writeJSON(out, listen(payload[1:]))
		case 'R':
			writeJSON(out, results(payload[1:]))
		case 'C':
			writeJSON(out, closeListener(payload[1:]))
		default:
			writeJSON(out, map[string]any{"ok": false, "error": fmt.Sprintf("unknown operation %q", payload[0])})
		}
	}
}
