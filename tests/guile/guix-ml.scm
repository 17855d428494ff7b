;;; SRFI-64 tests of the guixml channel against Guix's own modules.
;;;
;;; Needs a Guix source tree and the Guile libraries Guix uses (Debian:
;;; guile-gcrypt, guile-json, guile-git, guile-sqlite3, guile-zlib,
;;; guile-lzlib, guile-gnutls).  tests/test_guix_channel.py runs it as
;;;
;;;   guile -L CONFIG -L $GUIX_SOURCE -L channel -L tests/guile/ml-channel \
;;;         tests/guile/guix-ml.scm
;;;
;;; where CONFIG holds a generated (guix config) module.  On Guile < 3.0.9,
;;; which lacks 'spawn' (used by (guix ui)), set GUIXML_SPAWN_SHIM=1: a
;;; 'spawn' that raises an error is then defined so that (guix ui) loads;
;;; nothing here spawns processes.

(when (and (getenv "GUIXML_SPAWN_SHIM")
           (not (module-variable (resolve-module '(guile)) 'spawn)))
  (module-define! (resolve-module '(guile)) 'spawn
                  (lambda args
                    (error "spawn is not available in this Guile" args))))

(use-modules (srfi srfi-1)
             (srfi srfi-26)
             (srfi srfi-64)
             (ice-9 match)
             (ice-9 exceptions)
             (guix packages)
             (guix lint)
             (guix profiles)
             (guix diagnostics)
             (guixml ml)
             (guixml lint)
             (guixml manifest)
             (demo ml-weights))

(define (warnings checker package)
  (map lint-warning-message ((lint-checker-check checker) package)))

(define (checker name)
  (find (lambda (checker) (eq? (lint-checker-name checker) name))
        %ml-checkers))

(define %demo-channel
  ;; The directory of the (demo ml-weights) module.
  (dirname (dirname (search-path %load-path "demo/ml-weights.scm"))))

(define (audit-lines . args)
  "Run 'guix ml-audit ARGS' and return its output lines, without the
FILE:LINE:COLUMN prefix, sorted."
  (let ((audit (module-ref (resolve-interface '(guix extensions ml-audit))
                           'guix-ml-audit)))
    (sort (map (lambda (line)
                 ;; Drop "FILE:LINE:COLUMN: ".
                 (match (string-split line #\:)
                   ((file line column rest ...)
                    (string-trim (string-join rest ":")))))
               (string-split (string-trim-right
                              (with-output-to-string
                                (lambda () (apply audit args))))
                             #\newline))
          string<?)))

(define (property-line package)
  (location-line (package-field-location package 'properties)))

(test-begin "guixml-guix")

(test-assert "checkers are lint-checker records"
  (every lint-checker? %ml-checkers))

(test-equal "valid annotations: no warning"
  '()
  (append-map (lambda (package)
                (append-map (cut warnings <> package) %ml-checkers))
              (list demo-net-nc demo-engine demo-plain)))

(test-equal "bad annotation: one warning per problem"
  '("ml-weights: value must be a symbol"
    "ml-weigths-license: not a key of the guixml ML vocabulary")
  (warnings (checker 'ml-annotations) demo-typo))

(test-equal "warnings are located at the properties field"
  (list (property-line demo-typo) (property-line demo-typo))
  (map (compose location-line lint-warning-location)
       ((lint-checker-check (checker 'ml-annotations)) demo-typo)))

(test-equal "weight input that is not an input"
  '("ml-weight-inputs: 'neural-network' is not an input of this package")
  (warnings (checker 'ml-weight-inputs) demo-missing-input))

(test-equal "accessors work on package records"
  '(separate ("demo-net-nc") "CC-BY-NC-4.0 OR MIT")
  (list (ml-weights demo-engine) (ml-weight-inputs demo-engine)
        (ml-weights-license demo-engine)))

(test-equal "policy checker: own verdict"
  '("rejected under ML policy 'guix-2023' (weights-license-non-free, \
training-software-missing, reproducibility-unknown)")
  (warnings (ml-policy-checker 'guix-2023) demo-net-nc))

(test-equal "policy checker: through the closure"
  '("depends on demo-net-nc@1, rejected under ML policy 'debian' (weights-license-non-free, training-data-unknown, training-software-missing)")
  (warnings (ml-policy-checker 'debian #:closure? #t) demo-engine))

(test-equal "review is reported on request"
  1
  (length (warnings (ml-policy-checker 'debian #:review? #t) demo-engine)))

(test-equal "policy filter drops packages whose closure is rejected"
  ;; demo-typo's annotation is invalid: refused, not let through (fail closed)
  '("demo-plain")
  (map package-name
       (ml-policy-filter (list demo-net-nc demo-engine demo-plain demo-typo)
                         #:policy 'guix-2023)))

(test-equal "escape hatch"
  '("demo-net-nc" "demo-engine")
  (map package-name
       (ml-policy-filter (list demo-net-nc demo-engine)
                         #:policy 'osaid
                         #:allow? (lambda (package)
                                    (string=? (package-name package)
                                              "demo-net-nc")))))

(test-assert "refusal raises &ml-policy-refusal"
  (with-exception-handler
      (lambda (exception)
        (and (ml-policy-refusal? exception)
             (equal? (map (match-lambda
                            ((root node . _)
                             (list (package-name root) (package-name node))))
                          (ml-policy-refusal-offenders exception))
                     '(("demo-engine" "demo-net-nc")))))
    (lambda ()
      (ml-policy-filter (list demo-engine demo-plain)
                        #:policy 'gcd-008 #:action 'error)
      #f)
    #:unwind? #t))

(test-equal "an invalid annotation is 'review' at least under every policy"
  '((review review review review) #t)
  (let ((verdicts (ml-policy-verdicts demo-typo)))
    (list (map ml-verdict-verdict verdicts)
          (and (every (lambda (v) (memq 'invalid-annotation (ml-verdict-reasons v)))
                      verdicts)
               #t))))

(test-equal "the manifest filter refuses an invalid annotation"
  '("demo-plain")
  (map (compose package-name manifest-entry-item)
       (manifest-entries
        (manifest-ml-policy-filter
         (packages->manifest (list demo-typo demo-plain))
         #:policy 'guix-2023))))

(test-assert "a refusal's message names the packages and why"
  (let ((message
         (with-exception-handler
             (lambda (exception) (exception-message exception))
           (lambda ()
             (ml-policy-filter (list demo-engine demo-plain)
                               #:policy 'gcd-008 #:action 'error)
             "")
           #:unwind? #t)))
    (and (string-contains message "demo-engine@2 through demo-net-nc@1 (reject: ")
         (string-contains message "weights-license-non-free"))))

(test-equal "manifest filter"
  '("demo-plain")
  (map (compose package-name manifest-entry-item)
       (manifest-entries
        (manifest-ml-policy-filter
         (packages->manifest (list demo-engine demo-plain))
         #:policy 'debian))))

(test-assert "the ml-audit extension loads and defines its command"
  (procedure?
   (module-ref (resolve-interface '(guix extensions ml-audit)) 'guix-ml-audit)))

(test-equal "guix ml-audit over a channel directory"
  '("demo-missing-input@4: ml-weight-inputs: 'neural-network' is not an input of this package"
    "demo-typo@3: ml-weights: value must be a symbol"
    "demo-typo@3: ml-weigths-license: not a key of the guixml ML vocabulary")
  (audit-lines (string-append "--directory=" %demo-channel)))

(test-equal "guix ml-audit --policy follows the closure"
  '("demo-engine@2: depends on demo-net-nc@1, rejected under ML policy 'guix-2023' (weights-license-non-free, training-software-missing, reproducibility-unknown)"
    "demo-net-nc@1: rejected under ML policy 'guix-2023' (weights-license-non-free, training-software-missing, reproducibility-unknown)")
  (filter (cut string-contains <> "policy")
          (audit-lines "--policy=guix-2023" "--annotated"
                       (string-append "--directory=" %demo-channel))))

(test-equal "guix ml-audit -c selects checkers"
  '("demo-missing-input@4: ml-weight-inputs: 'neural-network' is not an input of this package")
  (audit-lines "-c" "ml-weight-inputs" (string-append "--directory=" %demo-channel)))

(test-equal "guix ml-audit -d DIR PACKAGE finds DIR's package"
  '("demo-typo@3: ml-weights: value must be a symbol"
    "demo-typo@3: ml-weigths-license: not a key of the guixml ML vocabulary")
  (audit-lines (string-append "--directory=" %demo-channel) "demo-typo"))

(test-equal "guix ml-audit -d of a missing directory exits non-zero"
  1
  (catch 'quit
    (lambda ()
      (let ((message (with-error-to-string
                       (lambda ()
                         (audit-lines "--directory=/nonexistent/guixml-test")))))
        (format (current-error-port) "unexpected: ~a~%" message)
        0))
    (lambda (key status) status)))

(define failures (test-runner-fail-count (test-runner-current)))
(test-end "guixml-guix")
(exit (zero? failures))
