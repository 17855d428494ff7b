;;; The Guile side of tests/channel/test_guix_agreement.py: load a module of
;;; packages with Guix's own (guix packages), evaluate each package's
;;; properties and print what (guixml ml) says of them, one line a package:
;;;
;;;   (package VARIABLE NAME VERSION (problems (CODE KEY) ...)
;;;            (verdicts (POLICY VERDICT CLASS (REASON ...)) ...))
;;;
;;; Usage: guile -L CONFIG -L $GUIX_SOURCE -L channel -L DIR \
;;;          tests/guile/guix-properties.scm MODULE-NAME...
;;; (GUIXML_SPAWN_SHIM=1 on Guile < 3.0.9, as for tests/guile/guix-ml.scm.)

(when (and (getenv "GUIXML_SPAWN_SHIM")
           (not (module-variable (resolve-module '(guile)) 'spawn)))
  (module-define! (resolve-module '(guile)) 'spawn
                  (lambda args
                    (error "spawn is not available in this Guile" args))))

(use-modules (guix packages)
             (guixml ml)
             (ice-9 match))

(define (result variable package)
  (let ((alist (package-properties package)))
    `(package ,variable ,(package-name package) ,(package-version package)
              (problems ,@(map (lambda (problem)
                                 (list (ml-problem-code problem)
                                       (or (ml-problem-key problem) 'none)))
                               (ml-properties-problems alist)))
              (verdicts ,@(map (lambda (verdict)
                                 (list (ml-verdict-policy verdict)
                                       (ml-verdict-verdict verdict)
                                       (ml-verdict-class verdict)
                                       (ml-verdict-reasons verdict)))
                               (ml-policy-verdicts alist))))))

(define (module-packages name)
  "The (VARIABLE . PACKAGE) pairs of the public packages of module NAME."
  (filter (lambda (pair) (package? (cdr pair)))
          (module-map (lambda (variable value)
                        (cons variable (variable-ref value)))
                      (resolve-interface name))))

(for-each (lambda (argument)
            (for-each (match-lambda
                        ((variable . package)
                         (write (result variable package))
                         (newline)))
                      (module-packages (call-with-input-string argument read))))
          (cdr (command-line)))
